// Package target opens what `qm-build check` is asked to check and presents it
// as data: an image's files through the small read-only FS interface, or a set
// of RPM packages with the repodata that describes them.
//
// Targets (the spellings follow skopeo's transports; a bare path is
// recognised by what it holds, see forms.go):
//
//	DIR                     an image tree (osbuild --export output, any rootfs)
//	oci:DIR[:REF]           an OCI image layout
//	oci-archive:FILE[:REF]  an OCI image layout in a tar file
//	docker-archive:FILE     a `docker save` tarball
//	rpms:DIR                a directory of *.rpm files
//	repo:DIR                a yum repository
//
// Images are read by this package alone, in place (archives are indexed, not
// unpacked): every blob is verified against its digest and size while it is
// read (digest.go), layers are flattened with the OCI layer semantics and
// nothing is dropped (flatten.go), symbolic links are resolved inside the
// image root with the kernel's chroot semantics in every form (fs.go), and
// limits bound memory, temporary disk and work (limits.go). File contents go
// to a spool file without a name in a work directory that Close removes and
// that a later run removes if its owner died (workdir.go). No tool is run.
// docs/check-targets.md describes all of it for users.
//
// Every error about the target itself is bad input (an rpmspec.InputError from Error), exit status 2.
package target
