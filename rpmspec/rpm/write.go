package rpm

import (
	"fmt"
	"io"
	"time"

	"github.com/google/rpmpack"

	"github.com/qm-build/qm-build/rpmspec"
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

// Header tags the writer sets itself (rpm's include/rpm/rpmtag.h).
const (
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
	b, err := encode(p, o)
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("writing %s: %w", p.FileName(), err)
	}
	return nil
}

// encode builds the whole package in memory: the payload first (payload.go),
// then rpmpack's lead, signature and header describing it, joined as
// splice.go explains.
func encode(p *rpmspec.Package, o Options) ([]byte, error) {
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
	pl, err := writePayload(files, mtime, comp)
	if err != nil {
		return nil, fmt.Errorf("writing the payload of %s: %w", p.Name, err)
	}
	r, err := build(p, o, comp, files, pl)
	if err != nil {
		return nil, err
	}
	return splice(r, pl, o)
}

// build turns the model into an rpmpack.RPM whose header describes the
// package and its payload pl (splice.go).
func build(p *rpmspec.Package, o Options, comp string, files []rpmspec.File, pl payload) (*rpmpack.RPM, error) {
	arch := p.Arch
	if arch == "" {
		arch = "noarch"
	}
	r, err := rpmpack.NewRPM(rpmpack.RPMMetaData{
		Name:        p.Name,
		Summary:     p.Summary,
		Description: p.HeaderDescription(),
		Version:     p.Version,
		Release:     p.Release,
		Arch:        arch,
		OS:          "linux",
		URL:         p.URL,
		Licence:     p.License,
		BuildHost:   BuildHost,
		// rpmpack's own payload carries no file (every file is given to it as
		// a %ghost, see splice.go) and is cut off: the cheapest compressor
		// will do. The header names the real one (payloadTags).
		Compressor: "gzip:0",
		// rpmpack writes Epoch 0 unless told there is none; QM has no epoch.
		Epoch:     rpmpack.NoEpoch,
		BuildTime: o.BuildTime,
	})
	if err != nil {
		return nil, fmt.Errorf("starting %s: %w", p.Name, err)
	}
	var mtime uint32
	if !o.BuildTime.IsZero() {
		mtime = uint32(o.BuildTime.Unix())
	}
	entries := make([]fileEntry, 0, len(files))
	flags := make([]uint32, 0, len(files))
	for _, f := range files {
		rf, err := rpmFile(f, mtime)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.Name, err)
		}
		flags = append(flags, uint32(rf.Type))
		rf.Type = rpmpack.GhostFile
		r.AddFile(rf)
		entries = append(entries, fileEntry{file: rf, interp: interpreter(f)})
	}
	addScripts(r, p.Scripts)
	deps := relationsOf(p, comp)
	tags := append(deps.tags(), fileTags(entries, deps.requires)...)
	tags = append(tags, payloadTags(comp, pl, flags)...)
	for _, t := range tags {
		r.AddCustomTag(t.tag, t.entry)
	}
	src := o.SourceRPM
	if src == "" {
		src = p.SourceRPM
	}
	if src == "" {
		src = fmt.Sprintf("qm-%s.src.rpm", p.EVR())
	}
	r.AddCustomTag(tagSourceRPM, rpmpack.EntryString(src))
	return r, nil
}

// rpmFile maps a model file to rpmpack's: the rpm mode with type bits, the
// file flags (rpmfileAttrs), the symlink target as body.
func rpmFile(f rpmspec.File, mtime uint32) (rpmpack.RPMFile, error) {
	rf := rpmpack.RPMFile{
		Name:  f.Path,
		Mode:  f.RPMMode(),
		Owner: f.OwnerName(),
		Group: f.GroupName(),
		MTime: mtime,
	}
	switch f.Kind {
	case rpmspec.KindFile:
		rf.Body = f.Body
	case rpmspec.KindSymlink:
		rf.Body = []byte(f.Target)
	}
	if f.Flags&rpmspec.FlagGhost != 0 {
		// rpmbuild does not archive a %ghost either way; the model keeps
		// ghosts plain.
		if f.Flags != rpmspec.FlagGhost {
			return rf, fmt.Errorf("%s: %%ghost cannot be combined with %s here", f.Path, (f.Flags &^ rpmspec.FlagGhost).String())
		}
		if len(f.Body) > 0 {
			return rf, fmt.Errorf("%s: a %%ghost file has no content", f.Path)
		}
		rf.Type = rpmpack.GhostFile
		return rf, nil
	}
	if f.Flags&rpmspec.FlagConfig != 0 {
		rf.Type |= rpmpack.ConfigFile
	}
	if f.Flags&rpmspec.FlagNoReplace != 0 {
		rf.Type |= rpmpack.ConfigFile | rpmpack.NoReplaceFile
	}
	if f.Flags&rpmspec.FlagDoc != 0 {
		rf.Type |= rpmpack.DocFile
	}
	return rf, nil
}

func addScripts(r *rpmpack.RPM, s rpmspec.Scriptlets) {
	s.Each(func(section, body string) {
		body = rpmspec.HeaderScript(body)
		switch section {
		case "pre":
			r.AddPrein(body)
		case "post":
			r.AddPostin(body)
		case "preun":
			r.AddPreun(body)
		case "postun":
			r.AddPostun(body)
		case "pretrans":
			r.AddPretrans(body)
		case "posttrans":
			r.AddPosttrans(body)
		}
	})
}
