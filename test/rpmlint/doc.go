// Package rpmlint runs rpmlint 2.4 on packages qm-build wrote, with the
// checked-in configuration qm-build.toml beside this file (every filter there
// says why its finding does not apply). It is imported by tests only.
//
// rpmlint unpacks each package with `rpm2cpio | cpio -id` in a temporary
// directory and runs its content checks (readelf, shebangs, encodings) on the
// unpacked files. rpmpack, which qm-build's RPM writer is built on, stores
// payload names as "/usr/…" where rpmbuild stores "./usr/…", and GNU cpio
// extracts absolute names as they are: rpmlint would write the package's files
// into the host's / and lint a directory without them (readelf-failed). Run
// puts a cpio first on PATH that adds --no-absolute-filenames, so that the
// files land in rpmlint's directory and every check sees them.
package rpmlint
