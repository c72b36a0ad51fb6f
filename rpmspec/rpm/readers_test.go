package rpm_test

import (
	"bytes"
	"io"
	"io/fs"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	cavalier "github.com/cavaliergopher/rpm"
	rpmutils "github.com/sassoftware/go-rpmutils"
	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/rpmspec/rpm"
	"github.com/qm-build/qm-build/rpmspec/rpm/rpmtest"
	"github.com/qm-build/qm-build/rpmspec/sign"
)

// TestGoReaders reads every package back with both Go RPM readers: signed
// and unsigned, every compressor. go-rpmutils verifies digests (and the
// signatures, given the key) and yields the payload; cavaliergopher checks the
// header signature over header and payload.
func TestGoReaders(t *testing.T) {
	key, _, err := sign.Generate("qm-build test", "test@localhost", rpmtest.Epoch.Add(-time.Hour))
	require.NoError(t, err)
	pub, err := key.PublicKeyArmored()
	require.NoError(t, err)
	keys, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(pub))
	require.NoError(t, err)
	ring, err := cavalier.ReadKeyRing(bytes.NewReader(pub))
	require.NoError(t, err)
	gpgCheck := func(data []byte) (string, error) { return cavalier.GPGCheck(bytes.NewReader(data), ring) }

	for set, pkgs := range fixtureSets(t) {
		for _, comp := range rpm.Compressors {
			for _, signed := range []bool{false, true} {
				o := rpm.Options{Compressor: comp, BuildTime: rpmtest.Epoch}
				name := set + "/" + comp + "/unsigned"
				if signed {
					o.Key, name = key, set+"/"+comp+"/signed"
				}
				t.Run(name, func(t *testing.T) {
					for _, p := range pkgs {
						data := writeOne(t, p, o)
						checkRPMUtils(t, p, data, keys, signed)
						checkCavalier(t, p, data, gpgCheck, signed)
					}
				})
			}
		}
	}
}

func checkRPMUtils(t *testing.T, p *rpmspec.Package, data []byte, keys openpgp.EntityList, signed bool) {
	t.Helper()
	var known openpgp.EntityList
	if signed {
		known = keys
	}
	hdr, sigs, err := rpmutils.Verify(bytes.NewReader(data), known)
	require.NoError(t, err, p.Name)
	if signed {
		require.NotEmpty(t, sigs, "%s: signatures", p.Name)
	}
	nevra, err := hdr.GetNEVRA()
	require.NoError(t, err)
	require.Equal(t, []string{p.Name, p.Version, p.Release, p.Arch}, []string{nevra.Name, nevra.Version, nevra.Release, nevra.Arch})

	r, err := rpmutils.ReadRpm(bytes.NewReader(data))
	require.NoError(t, err)
	files, err := r.Header.GetFiles()
	require.NoError(t, err)
	model := p.SortedFiles()
	require.Len(t, files, len(model))
	byPath := map[string]rpmspec.File{}
	for i, f := range files {
		m := model[i]
		byPath[m.Path] = m
		require.Equal(t, m.Path, f.Name())
		require.Equal(t, int(m.RPMMode()), f.Mode(), m.Path)
		require.Equal(t, m.OwnerName()+":"+m.GroupName(), f.UserName()+":"+f.GroupName(), m.Path)
		require.Equal(t, m.Target, f.Linkname(), m.Path)
		require.Equal(t, int(rpmtest.Epoch.Unix()), f.Mtime(), m.Path)
	}
	pr, err := r.PayloadReaderExtended()
	require.NoError(t, err)
	seen := 0
	for {
		fi, err := pr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		m := byPath[fi.Name()]
		require.Zero(t, m.Flags&rpmspec.FlagGhost, "%s: a ghost is in the payload", fi.Name())
		body, err := io.ReadAll(pr)
		require.NoError(t, err)
		if m.Kind == rpmspec.KindFile {
			require.Equal(t, m.Body, body, fi.Name())
		}
		seen++
	}
	want := 0
	for _, m := range model {
		if m.Flags&rpmspec.FlagGhost == 0 {
			want++
		}
	}
	require.Equal(t, want, seen, "%s: payload entries", p.Name)
}

func checkCavalier(t *testing.T, p *rpmspec.Package, data []byte, gpgCheck func([]byte) (string, error), signed bool) {
	t.Helper()
	pkg, err := cavalier.Read(bytes.NewReader(data))
	require.NoError(t, err)
	require.Equal(t, p.NVRA(), pkg.String())
	require.Equal(t, p.HeaderDescription(), pkg.Description())
	for _, rel := range p.Requires {
		found := false
		for _, d := range pkg.Requires() {
			// Dependency.String joins version and release with '.'; compare
			// the name and the EVR fields instead (verifiers.md §2).
			evr := rpmspec.EVR(d.Version(), d.Release())
			found = found || d.Name() == rel.Name && (rel.Op == "" || evr == rel.Version)
		}
		require.True(t, found, "%s: requirement %s", p.Name, rel)
	}
	files := pkg.Files()
	model := p.SortedFiles()
	require.Len(t, files, len(model))
	for i, f := range files {
		require.Equal(t, model[i].Path, f.Name())
		require.Equal(t, model[i].Kind == rpmspec.KindDir, f.IsDir(), f.Name())
		require.Equal(t, model[i].Mode.Perm(), f.Mode().Perm(), f.Name())
		require.Equal(t, model[i].Mode&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky), f.Mode()&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky), f.Name())
	}
	if signed {
		signer, err := gpgCheck(data)
		require.NoError(t, err, "%s: GPGCheck", p.Name)
		require.Contains(t, signer, "qm-build test")
	}
}
