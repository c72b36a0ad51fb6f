// Package repodata writes yum repository metadata for a directory of RPMs:
// repodata/repomd.xml and the primary, filelists and other XML files, gzip
// compressed, with sha256 checksums, open checksums and sizes.
//
// The output follows createrepo_c 0.17 (the files dnf and librepo read):
// header ranges, the primary file filter, dependency filtering (rpmlib(),
// self-provided and duplicate requires, pre="1" for pre/post-install
// requirements), changelog limits and dates are computed as createrepo_c's
// parsehdr.c, misc.c and xml_dump_*.c compute them; each rule cites its origin.
// Tests compare the parsed output with createrepo_c's field by field.
//
// Unlike createrepo_c the output is reproducible: packages are sorted by
// location, the revision and timestamps are data (SOURCE_DATE_EPOCH), file
// modification times are clamped to that epoch, and the gzip streams carry no
// name or time. Update mode re-reads only packages whose name, size or
// modification time changed, as createrepo_c --update does; when the old
// metadata is in the canonical form this package writes, the elements of
// unchanged packages are copied verbatim instead of being decoded and
// rendered again (verbatim.go, canonical.go).
//
// RPM headers are read in place (rpmheader.go); every write goes through
// os.Root, into a temporary repodata directory that replaces the old one in
// a single rename, so that readers see either the old or the new metadata,
// never a mix (see Commit).
package repodata
