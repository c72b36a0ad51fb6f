package rpm

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path"
	"sync"
	"time"

	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/rpmspec/rpm/header"
	"github.com/qm-build/qm-build/rpmspec/sign"
)

// Options control how packages are written.
type Options struct {
	// Compressor is the payload compression: "zstd" (level 1; the default
	// when empty), "xz" or "gzip" (level 9).
	Compressor string
	// BuildTime is the package build time and every file's modification time,
	// normally SOURCE_DATE_EPOCH. The zero time leaves the build time out and
	// gives files the time 0, so that output stays reproducible.
	BuildTime time.Time
	// Key, when set, signs each package's header and header+payload
	// (RPMSIGTAG_RSA and RPMSIGTAG_PGP). The signature time is BuildTime, or
	// the key's creation time when that is later or BuildTime is zero.
	Key *sign.Key
	// SourceRPM is the source package the binaries claim to come from. The
	// default is the package's own (Package.SourceRPM), else "qm-V-R.src.rpm":
	// qm-build's packages come from the qm spec (rpmspec.Spec), as with
	// `rpmbuild -bb qm.spec`.
	SourceRPM string
}

// Compressors are the payload compressions Write accepts, the default first.
var Compressors = []string{"zstd", "xz", "gzip"}

// BuildHost is the build host every package names, as rpmbuild's
// `--define '_buildhost qm-build'`: a host name would make output differ
// between machines.
const BuildHost = "qm-build"

// Header tags (rpm's include/rpm/rpmtag.h).
const (
	tagHeaderI18NTable = 100
	tagName            = 1000
	tagVersion         = 1001
	tagRelease         = 1002
	tagSummary         = 1004
	tagDescription     = 1005
	tagBuildTime       = 1006
	tagBuildHost       = 1007
	tagLicense         = 1014
	tagURL             = 1020
	tagOS              = 1021
	tagArch            = 1022
	tagPrein           = 1023
	tagPostin          = 1024
	tagPreun           = 1025
	tagPostun          = 1026
	tagFileSizes       = 1028
	tagFileModes       = 1030
	tagFileRDevs       = 1033
	tagFileMTimes      = 1034
	tagFileDigests     = 1035
	tagFileLinkTos     = 1036
	tagFileUserName    = 1039
	tagFileGroupName   = 1040
	tagFileVerifyFlags = 1045
	tagPreinProg       = 1085
	tagPostinProg      = 1086
	tagPreunProg       = 1087
	tagPostunProg      = 1088
	tagFileDevices     = 1095
	tagFileINodes      = 1096
	tagFileLangs       = 1097
	tagDirIndexes      = 1116
	tagBasenames       = 1117
	tagDirNames        = 1118
	tagPayloadFormat   = 1124
	tagPretrans        = 1151
	tagPosttrans       = 1152
	tagPretransProg    = 1153
	tagPosttransProg   = 1154
	tagFileDigestAlgo  = 5011

	tagSourceRPM     = 1044
	tagProvideName   = 1047
	tagRequireFlags  = 1048
	tagRequireName   = 1049
	tagRequireVer    = 1050
	tagConflictFlags = 1053
	tagConflictName  = 1054
	tagConflictVer   = 1055
	tagObsoleteName  = 1090
	tagProvideFlags  = 1112
	tagProvideVer    = 1113
	tagObsoleteFlags = 1114
	tagObsoleteVer   = 1115
	tagRecommendName = 5046
	tagRecommendVer  = 5047
	tagRecommendFlag = 5048
)

// CheckCompressor resolves the default ("" is zstd); an unknown value is bad
// input naming --compress.
func CheckCompressor(c string) (string, error) {
	if c == "" {
		return Compressors[0], nil
	}
	for _, k := range Compressors {
		if c == k {
			return c, nil
		}
	}
	return "", &rpmspec.InputError{Field: "--compress", Msg: fmt.Sprintf("%q is not a payload compression; want one of zstd, xz, gzip", c)}
}

// Write writes p as a binary RPM to w.
func Write(w io.Writer, p *rpmspec.Package, o Options) error {
	b, err := encode(p, o, &compressors{})
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("writing %s: %w", p.FileName(), err)
	}
	return nil
}

// encode builds the whole package in memory: the payload first (payload.go),
// compressed with c, then the header describing it (build), then the lead
// and signature, joined by assemble.
func encode(p *rpmspec.Package, o Options, c *compressors) ([]byte, error) {
	comp, err := CheckCompressor(o.Compressor)
	if err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	var mtime uint32
	if !o.BuildTime.IsZero() {
		mtime = uint32(o.BuildTime.Unix())
	}
	files := p.SortedFiles()
	pl, err := writePayload(files, mtime, comp, c)
	if err != nil {
		return nil, fmt.Errorf("writing the payload of %s: %w", p.Name, err)
	}
	hdr, err := build(p, o, comp, files, pl)
	if err != nil {
		return nil, err
	}
	return assemble(p, hdr, pl, o)
}

// File flags (rpmfileAttrs in rpm's include/rpm/rpmfiles.h).
const (
	fileConfig    = 1 << 0 // RPMFILE_CONFIG
	fileDoc       = 1 << 1 // RPMFILE_DOC
	fileNoReplace = 1 << 4 // RPMFILE_NOREPLACE
	fileGhost     = 1 << 6 // RPMFILE_GHOST
)

// fileFlags returns a file's rpm flags; a %ghost is plain.
func fileFlags(f rpmspec.File) (uint32, error) {
	if f.Flags&rpmspec.FlagGhost != 0 {
		// rpmbuild does not archive a %ghost either way; the model keeps
		// ghosts plain.
		if f.Flags != rpmspec.FlagGhost {
			return 0, fmt.Errorf("%s: %%ghost cannot be combined with %s here", f.Path, (f.Flags &^ rpmspec.FlagGhost).String())
		}
		if len(f.Body) > 0 {
			return 0, fmt.Errorf("%s: a %%ghost file has no content", f.Path)
		}
		return fileGhost, nil
	}
	var fl uint32
	if f.Flags&rpmspec.FlagConfig != 0 {
		fl |= fileConfig
	}
	if f.Flags&rpmspec.FlagNoReplace != 0 {
		fl |= fileConfig | fileNoReplace
	}
	if f.Flags&rpmspec.FlagDoc != 0 {
		fl |= fileDoc
	}
	return fl, nil
}

// fileContent is what the header records as a file's content: a regular
// file's body, a symlink's target.
func fileContent(f rpmspec.File) []byte {
	switch f.Kind {
	case rpmspec.KindFile:
		return f.Body
	case rpmspec.KindSymlink:
		return []byte(f.Target)
	}
	return nil
}

// scriptTags are the header tags of each scriptlet section: the script and
// its interpreter.
var scriptTags = sync.OnceValue(func() map[string][2]int {
	return map[string][2]int{
		"pretrans":  {tagPretrans, tagPretransProg},
		"pre":       {tagPrein, tagPreinProg},
		"post":      {tagPostin, tagPostinProg},
		"preun":     {tagPreun, tagPreunProg},
		"postun":    {tagPostun, tagPostunProg},
		"posttrans": {tagPosttrans, tagPosttransProg},
	}
})

// build writes the main header, which describes the package and its
// payload pl (files sorted by path, Package.SortedFiles). Its entries are
// those rpmpack wrote when it wrote the header (up to v0.7.1, which
// TestHeaderMatchesRPMPack compares with on every package), with the
// writer's own: relations, file classes, the payload's figures and the
// files' real flags.
func build(p *rpmspec.Package, o Options, comp string, files []rpmspec.File, pl payload) ([]byte, error) {
	arch := p.Arch
	if arch == "" {
		arch = "noarch"
	}
	var h entries
	h.set(tagHeaderI18NTable, entryString("C"))
	h.set(tagSize, entryUint32([]uint32{uint32(pl.installSize)}))
	h.set(tagName, entryString(p.Name))
	h.set(tagVersion, entryString(p.Version))
	h.set(tagSummary, entryString(p.Summary))
	h.set(tagDescription, entryString(p.HeaderDescription()))
	h.set(tagBuildHost, entryString(BuildHost))
	if !o.BuildTime.IsZero() {
		h.set(tagBuildTime, entryUint32([]uint32{uint32(o.BuildTime.Unix())}))
	}
	h.set(tagRelease, entryString(p.Release))
	h.set(tagPayloadFormat, entryString("cpio"))
	h.set(tagPayloadCompressor, entryString(comp))
	h.set(tagPayloadFlags, entryString(payloadFlags(comp)))
	h.set(tagArch, entryString(arch))
	h.set(tagOS, entryString("linux"))
	h.set(tagLicense, entryString(p.License))
	if p.URL != "" {
		h.set(tagURL, entryString(p.URL))
	}
	h.set(tagPayloadDigest, entryStrings([]string{pl.digest}))
	h.set(tagPayloadDigestAlgo, entryUint32([]uint32{hashSHA256}))
	src := o.SourceRPM
	if src == "" {
		src = p.SourceRPM
	}
	if src == "" {
		src = fmt.Sprintf("qm-%s.src.rpm", p.EVR())
	}
	h.set(tagSourceRPM, entryString(src))
	p.Scripts.Each(func(section, body string) {
		if body = rpmspec.HeaderScript(body); body != "" {
			t := scriptTags()[section]
			h.set(t[0], entryString(body))
			h.set(t[1], entryString("/bin/sh"))
		}
	})
	deps := relationsOf(p, comp)
	if len(files) > 0 {
		fe, err := fileIndexes(&h, files, o)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.Name, err)
		}
		for _, t := range fileTags(fe, deps.requires) {
			h.set(t.tag, t.entry)
		}
	}
	for _, t := range deps.tags() {
		h.set(t.tag, t.entry)
	}
	return header.Encode(header.TagHeaderImmutable, h.sorted()), nil
}

// fileIndexes sets the per-file entries of h (files sorted by path) and
// returns the files as fileTags reads them.
func fileIndexes(h *entries, files []rpmspec.File, o Options) ([]fileEntry, error) {
	var mtime uint32
	if !o.BuildTime.IsZero() {
		mtime = uint32(o.BuildTime.Unix())
	}
	n := len(files)
	var (
		dirIndex  = map[string]uint32{}
		dirs      []string
		basenames = make([]string, n)
		dirIdx    = make([]uint32, n)
		sizes     = make([]uint32, n)
		modes     = make([]uint16, n)
		owners    = make([]string, n)
		groups    = make([]string, n)
		digests   = make([]string, n)
		linkTos   = make([]string, n)
		flags     = make([]uint32, n)
		out       = make([]fileEntry, n)
	)
	for i, f := range files {
		fl, err := fileFlags(f)
		if err != nil {
			return nil, err
		}
		mode, body := f.RPMMode(), fileContent(f)
		dir, base := path.Split(f.Path)
		x, ok := dirIndex[dir]
		if !ok {
			x = uint32(len(dirs))
			dirIndex[dir] = x
			dirs = append(dirs, dir)
		}
		dirIdx[i], basenames[i] = x, base
		owners[i], groups[i], flags[i] = f.OwnerName(), f.GroupName(), fl
		switch f.Kind {
		case rpmspec.KindDir:
			sizes[i] = 4096
		case rpmspec.KindSymlink:
			sizes[i], linkTos[i] = uint32(len(body)), string(body)
		default:
			sum := sha256.Sum256(body)
			sizes[i], digests[i] = uint32(len(body)), hex.EncodeToString(sum[:])
		}
		modes[i] = uint16(mode)
		out[i] = fileEntry{name: f.Path, mode: mode, body: body, interp: interpreter(f)}
	}
	h.set(tagBasenames, entryStrings(basenames))
	h.set(tagDirIndexes, entryUint32(dirIdx))
	h.set(tagDirNames, entryStrings(dirs))
	h.set(tagFileSizes, entryUint32(sizes))
	h.set(tagFileModes, entryUint16(modes))
	h.set(tagFileUserName, entryStrings(owners))
	h.set(tagFileGroupName, entryStrings(groups))
	h.set(tagFileMTimes, entryRepeat(header.TypeInt32, mtime, n))
	h.set(tagFileDigests, entryStrings(digests))
	h.set(tagFileLinkTos, entryStrings(linkTos))
	h.set(tagFileFlags, entryUint32(flags))
	inodes := make([]uint32, n)
	for i := range inodes {
		inodes[i] = uint32(i + 1)
	}
	h.set(tagFileINodes, entryUint32(inodes))
	h.set(tagFileDevices, entryRepeat(header.TypeInt32, 1, n))
	h.set(tagFileDigestAlgo, entryRepeat(header.TypeInt32, hashSHA256, n))
	h.set(tagFileVerifyFlags, entryRepeat(header.TypeInt32, 0xffffffff, n))
	h.set(tagFileRDevs, entryRepeat(header.TypeInt16, 1, n))
	h.set(tagFileLangs, entryStrings(make([]string, n)))
	return out, nil
}
