// Package rpm writes rpmspec packages as binary RPMs, in memory, without
// rpmbuild and without touching the filesystem except in WriteDir: the
// payload (payload.go), the main header (build, in write.go), and the lead
// and signature header (assemble.go), with rpmspec/rpm/header's encoder.
//
// The API, which the rpms stage, `qm-build rpm` and the osbuild stage use:
//
//	Write(w io.Writer, p *rpmspec.Package, o Options) error
//	WriteDir(dir string, pkgs []*rpmspec.Package, o Options) ([]string, error)
//	WriteDirContext(ctx, dir, pkgs, o, done func(file string, data []byte)) ([]string, error)
//
// Output is byte-reproducible: the same package and Options give the same
// bytes, for every compressor, signed or not (see Options.BuildTime).
//
// # What the writer adds, as rpmbuild does
//
// rpmbuild adds dependencies a spec never names. The writer adds those that
// describe the package it writes (rpm's build/parsePreamble.c, build/rpmfc.c
// and build/pack.c), so that its output and `rpmbuild -bb` on the rendered
// spec agree (the differential test in this package):
//
//   - Provides: name = V-R (the self-provide), and name(ISA) = V-R for a
//     package of an architecture (name(x86-64), name(aarch-64));
//   - Provides and Requires: config(name) = V-R with RPMSENSE_CONFIG, when the
//     package has %config files;
//   - Requires: /bin/sh with RPMSENSE_INTERP and the scriptlet's context flag
//     (RPMSENSE_SCRIPT_PRE, _POST, …), one per scriptlet, as `Requires(post):`;
//   - Requires: the interpreter of every executable file starting with "#!"
//     (RPMSENSE_FIND_REQUIRES), as rpm's script.req generator does;
//   - Requires: rpmlib(CompressedFileNames), rpmlib(FileDigests) and
//     rpmlib(PayloadFilesHavePrefix) when the package has files, and
//     rpmlib(PayloadIsZstd) or rpmlib(PayloadIsXz) for those payloads.
//
// Every relation list is sorted by name, flags and version, the order rpmbuild
// stores them in.
//
// # The payload
//
// The payload is a cpio archive in the "new ASCII" (newc) format, laid out
// as rpmbuild lays it out (rpm's lib/cpio.c and lib/rpmfi.c): members in
// header order, %ghost files left out; each named relative to the root
// ("./usr/share/qm/…", the form rpmlib(PayloadFilesHavePrefix) announces), so
// that `rpm2cpio X.rpm | cpio -idm` run anywhere writes only below the
// current directory; the file's mode with its type bits; one link, for
// directories too; the modification time of the header (BuildTime); uid and
// gid 0 (rpm takes owners by name from the header); inode numbers equal to
// the header's RPMTAG_FILEINODES; device fields and the check field zero;
// and a trailer with one link. The differential test compares `rpm2cpio |
// cpio -itv` listings with rpmbuild's.
//
// # The header
//
// The package wrote its headers with github.com/google/rpmpack until the
// header encoder of rpmspec/rpm/header (which the signer and the repository
// indexer share) took over; the entries are still those rpmpack wrote, plus
// the writer's own (relations, file classes, the payload's figures), and
// TestHeaderMatchesRPMPack keeps the bytes equal to rpmpack v0.7.1's on
// every package, every compressor, signed and unsigned. rpmpack could not
// write the payload rpmbuild writes (it archives each file under its
// absolute name, with no time and two links for a directory), so every
// file went to it as a %ghost and its own payload, compressed and thrown
// away, was replaced; writing the header here saves that compression, the
// splice, and rpmpack's start-up (a regular expression, pgzip) in every
// process.
//
// The real payload's zstd and gzip encoders are made once per goroutine of
// WriteDirContext and reset for each package (compressors in payload.go); a
// new encoder's tables cost more than compressing one of QM's small
// payloads, and a reset encoder writes the same bytes
// (TestCompressorsReused).
//
// # File classes
//
// rpmbuild classifies every file with libmagic and records the result
// (rpmfcGenerateDepends in rpm's build/rpmfc.c): RPMTAG_CLASSDICT (each class
// once, in order of first use), RPMTAG_FILECLASS (per file, an index into it)
// and RPMTAG_FILECOLORS (per file, 2 for an executable 64-bit ELF file, 1 for
// 32-bit), plus RPMTAG_DEPENDSDICT and RPMTAG_FILEDEPENDSX/N when a file has
// a generated dependency (here: a script's interpreter). rpmlint's binary
// checks read only the class: a file is a binary when its class starts with
// "ELF " (no-binary, only-non-binary-in-usr-lib, statically-linked-binary,
// unstripped-binary-or-object all depend on it), and rpm uses colors to
// resolve multilib file conflicts. The writer records all of these, computed
// in Go without libmagic (FileClass, Describe, DescribeELF) in the header's
// file order (sorted by path); TestFileClassAgreesWithRPMBuild compares
// them with rpmbuild's on text, script and ELF samples. The source RPM tag names the spec's main package
// (qm-V-R.src.rpm) for every package, as `rpmbuild -bb qm.spec` does.
package rpm
