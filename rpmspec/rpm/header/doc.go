// Package header is qm-build's one reader and writer of RPM header
// structures, shared by the RPM writer (rpmspec/rpm), the repository
// indexer (stages/publish/repodata) and the signer (stages/publish/rpmsign).
//
// The format is rpm's (lib/header.c, lib/signature.h, and
// https://rpm-software-management.github.io/rpm/manual/format.html): a
// 96-byte lead, the signature header padded to 8 bytes, the main header,
// the payload. A header structure is a 16-byte intro (magic, reserved, the
// number of index entries, the size of the data store), the index of
// 16-byte entries (tag, type, offset, count), and the data store.
//
// Every bound is checked before a value is read (CheckIntro, EntryLen), so
// a damaged or hostile file gives an error, never a panic or a read past
// the data: Header's accessors trust only what Parse or New was given after
// those checks.
package header
