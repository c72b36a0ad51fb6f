// Package target opens what `qm-build check` is asked to check and presents it
// as data: an image's files through the small read-only FS interface, or a set
// of RPM packages with the repodata that describes them.
//
// Targets (the spellings follow skopeo's transports):
//
//	DIR                  an image tree (osbuild --export output, any rootfs)
//	oci:DIR[:REF]        an OCI image layout
//	oci-archive:FILE     an OCI image layout in a tar file
//	docker-archive:FILE  a `docker save` tarball
//	DIR of *.rpm files   packages (also rpms:DIR)
//	DIR with repodata/   a yum repository (also repo:DIR)
//
// Images are read with go-containerregistry and flattened the way
// mutate.Extract flattens them (whiteouts and opaque directories honoured,
// unsafe paths rejected), into an in-memory tree whose file contents are
// spooled into one unlinked temporary file. Nothing is ever written outside a
// temporary directory, and no tool is run.
//
// Every error about the target itself is an *Error: bad input, exit status 2.
package target
