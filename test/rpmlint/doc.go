// Package rpmlint runs rpmlint 2.4 on packages qm-build wrote, with the
// checked-in configuration qm-build.toml beside this file (every filter there
// says why its finding does not apply). It is imported by tests only.
//
// rpmlint unpacks each package with `rpm2cpio | cpio -id` in a temporary
// directory and runs its content checks (readelf, shebangs, encodings) on the
// unpacked files; the payload names are "./usr/…", as rpmbuild writes them,
// so the files land in rpmlint's directory.
package rpmlint
