package rpm

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/rpmpack"
	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/rpmspec/rpm/header"
	"github.com/qm-build/qm-build/rpmspec/rpm/rpmtest"
	"github.com/qm-build/qm-build/rpmspec/sign"
	"github.com/qm-build/qm-build/test/composed"
)

// TestHeaderMatchesRPMPack: the writer's lead, signature and header are, byte
// for byte, those github.com/google/rpmpack v0.7.1 wrote when the writer
// used it (rpmpackEncode, the writer as it was: every file handed to rpmpack
// as a %ghost, rpmpack's header with the writer's own entries, rpmpack's
// empty payload replaced with the real one), for every package `qm-build
// rpm` writes and the edge-case fixture, with every compressor, signed and
// unsigned, with and without a build time.
func TestHeaderMatchesRPMPack(t *testing.T) {
	key, _, err := sign.Generate("qm-build test", "test@localhost", rpmtest.Epoch.Add(-time.Hour))
	require.NoError(t, err)
	pkgs := append(composed.All(t), rpmtest.EdgePackages()...)
	for _, o := range []Options{
		{BuildTime: rpmtest.Epoch},
		{},
		{BuildTime: rpmtest.Epoch, Compressor: "gzip"},
		{BuildTime: rpmtest.Epoch, Compressor: "xz"},
		{BuildTime: rpmtest.Epoch, Key: key},
		{BuildTime: rpmtest.Epoch, SourceRPM: "other-1-1.src.rpm"},
	} {
		var c compressors
		for _, p := range pkgs {
			name := fmt.Sprintf("%s compress=%q key=%v time=%v", p.Name, o.Compressor, o.Key != nil, !o.BuildTime.IsZero())
			got, err := encode(p, o, &c)
			require.NoError(t, err, name)
			want, err := rpmpackEncode(p, o, &c)
			require.NoError(t, err, name)
			require.Equal(t, want, got, name)
		}
	}
}

// rpmpackEncode is encode as it was with rpmpack writing the header.
func rpmpackEncode(p *rpmspec.Package, o Options, c *compressors) ([]byte, error) {
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
		return nil, err
	}
	r, err := rpmpackBuild(p, o, comp, files, pl)
	if err != nil {
		return nil, err
	}
	return rpmpackSplice(r, pl, o)
}

// rpmpackEntry converts one of the writer's entries to rpmpack's.
func rpmpackEntry(e header.Entry) rpmpack.IndexEntry {
	switch e.Type {
	case header.TypeString:
		return rpmpack.EntryString(string(e.Data[:len(e.Data)-1]))
	case header.TypeStringArray:
		ss := []string{}
		if e.Count > 0 {
			for _, s := range bytes.Split(e.Data[:len(e.Data)-1], []byte{0}) {
				ss = append(ss, string(s))
			}
		}
		return rpmpack.EntryStringSlice(ss)
	case header.TypeInt32:
		v := make([]uint32, e.Count)
		for i := range v {
			v[i] = binary.BigEndian.Uint32(e.Data[4*i:])
		}
		return rpmpack.EntryUint32(v)
	case header.TypeInt16:
		v := make([]uint16, e.Count)
		for i := range v {
			v[i] = binary.BigEndian.Uint16(e.Data[2*i:])
		}
		return rpmpack.EntryUint16(v)
	}
	return rpmpack.EntryBytes(e.Data)
}

// rpmpackBuild is build as it was: the model as an rpmpack.RPM whose header
// describes the package and its payload pl.
func rpmpackBuild(p *rpmspec.Package, o Options, comp string, files []rpmspec.File, pl payload) (*rpmpack.RPM, error) {
	arch := p.Arch
	if arch == "" {
		arch = "noarch"
	}
	r, err := rpmpack.NewRPM(rpmpack.RPMMetaData{
		Name: p.Name, Summary: p.Summary, Description: p.HeaderDescription(),
		Version: p.Version, Release: p.Release, Arch: arch, OS: "linux", URL: p.URL,
		Licence: p.License, BuildHost: BuildHost, Compressor: "gzip:0",
		Epoch: rpmpack.NoEpoch, BuildTime: o.BuildTime,
	})
	if err != nil {
		return nil, err
	}
	var mtime uint32
	if !o.BuildTime.IsZero() {
		mtime = uint32(o.BuildTime.Unix())
	}
	var fes []fileEntry
	var flags []uint32
	for _, f := range files {
		fl, err := fileFlags(f)
		if err != nil {
			return nil, err
		}
		flags = append(flags, fl)
		rf := rpmpack.RPMFile{Name: f.Path, Mode: f.RPMMode(), Owner: f.OwnerName(), Group: f.GroupName(),
			MTime: mtime, Body: fileContent(f), Type: rpmpack.GhostFile}
		r.AddFile(rf)
		fes = append(fes, fileEntry{name: rf.Name, mode: rf.Mode, body: rf.Body, interp: interpreter(f)})
	}
	p.Scripts.Each(func(section, body string) {
		body = rpmspec.HeaderScript(body)
		map[string]func(string){"pre": r.AddPrein, "post": r.AddPostin, "preun": r.AddPreun,
			"postun": r.AddPostun, "pretrans": r.AddPretrans, "posttrans": r.AddPosttrans}[section](body)
	})
	deps := relationsOf(p, comp)
	tags := append(deps.tags(), fileTags(fes, deps.requires)...)
	tags = append(tags,
		tagged{tagPayloadCompressor, entryString(comp)},
		tagged{tagPayloadFlags, entryString(payloadFlags(comp))},
		tagged{tagSize, entryUint32([]uint32{uint32(pl.installSize)})},
		tagged{tagPayloadDigest, entryStrings([]string{pl.digest})})
	if len(flags) > 0 {
		tags = append(tags, tagged{tagFileFlags, entryUint32(flags)})
	}
	for _, t := range tags {
		r.AddCustomTag(t.tag, rpmpackEntry(t.entry))
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

// rpmpackSplice is splice as it was: r's lead, signature and header joined
// to pl, the signature's sizes patched, the PGP signature made over the
// real payload.
func rpmpackSplice(r *rpmpack.RPM, pl payload, o Options) ([]byte, error) {
	var signed []byte
	if o.Key != nil {
		sign := o.Key.At(o.BuildTime).DetachSign
		calls := 0
		r.SetPGPSigner(func(b []byte) ([]byte, error) {
			calls++
			if calls == 1 {
				signed = bytes.Clone(b)
				return sign(b)
			}
			return sign(append(bytes.Clone(signed), pl.data...))
		})
	}
	var b bytes.Buffer
	if err := r.Write(&b); err != nil {
		return nil, err
	}
	out := b.Bytes()
	sig, n, err := header.Parse(out[header.LeadSize:])
	if err != nil {
		return nil, err
	}
	start := header.LeadSize + n + (8-n%8)%8
	_, n, err = header.Parse(out[start:])
	if err != nil {
		return nil, err
	}
	end := start + n
	if o.Key != nil && !bytes.Equal(out[start:end], signed) {
		return nil, errors.New("rpmpack signed another header")
	}
	if err := sig.GetTag(sigSize).PutInt32(uint32(end - start + len(pl.data))); err != nil {
		return nil, err
	}
	if err := sig.GetTag(sigPayloadSize).PutInt32(uint32(pl.archiveSize)); err != nil {
		return nil, err
	}
	return append(out[:end:end], pl.data...), nil
}
