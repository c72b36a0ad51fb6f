package repodata_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/stages/publish/publishtest/testrpm"
	"github.com/qm-build/qm-build/stages/publish/publishtest/xmltree"
	"github.com/qm-build/qm-build/stages/publish/repodata"
	"github.com/qm-build/qm-build/test/golden"
)

// goldenSpecs are small rpmpack packages whose bytes never change.
var goldenSpecs = []testrpm.Spec{
	{Name: "alpha", Version: "1.0", Release: "1", Requires: []string{"beta >= 2", "/bin/sh"}, Provides: []string{"alpha-api = 1"},
		Files: map[string]string{"/etc/alpha.conf": "a = 1\n", "/usr/bin/alpha": "#!/bin/sh\n", "/usr/share/alpha/doc": "doc\n"}},
	{Name: "beta", Version: "2.1", Release: "3", Provides: []string{"/bin/sh"},
		Files: map[string]string{"/usr/sbin/beta": "b\n", "/opt/beta/lib/x": "x\n"}},
}

func TestGolden(t *testing.T) {
	dir := t.TempDir()
	copyInto(t, dir, "", testrpm.Write(t, t.TempDir(), goldenSpecs...)...)
	generate(t, dir, optionsAt(fixedTime))
	repo, err := xmltree.Load(dir)
	require.NoError(t, err)
	for _, kind := range []string{"primary", "filelists", "other"} {
		t.Run(kind, func(t *testing.T) { golden.Check(t, goldenPath(kind+".xml"), repo.Raw[kind]) })
	}
	t.Run("repomd", func(t *testing.T) {
		golden.Check(t, goldenPath("repomd.xml"), readAll(t, filepath.Join(dir, "repodata", "repomd.xml")))
	})
	if golden.Update() {
		// Seeds for FuzzReadRPM.
		require.NoError(t, os.MkdirAll("testdata/seed", 0o755))
		for _, s := range goldenSpecs {
			require.NoError(t, os.WriteFile(filepath.Join("testdata", "seed", s.FileName()), testrpm.Build(t, s), 0o644))
		}
	}
}

// repodataFiles returns every file of dir/repodata by name.
func repodataFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, "repodata"))
	require.NoError(t, err)
	out := map[string][]byte{}
	for _, e := range entries {
		out[e.Name()] = readAll(t, filepath.Join(dir, "repodata", e.Name()))
	}
	return out
}

func TestReproducible(t *testing.T) {
	rpms := testrpm.Write(t, t.TempDir(), append(goldenSpecs, testrpm.Generated(8)...)...)
	a, b := t.TempDir(), t.TempDir()
	copyInto(t, a, "", rpms...)
	copyInto(t, b, "", rpms...)
	// b's copies are newer; SOURCE_DATE_EPOCH clamps both to the epoch.
	later := fixedTime.Add(72 * time.Hour)
	for _, p := range rpms {
		require.NoError(t, os.Chtimes(filepath.Join(b, filepath.Base(p)), later, later))
	}
	generate(t, a, optionsAt(fixedTime))
	generate(t, b, repodata.Options{Time: fixedTime, Epoch: fixedTime, Workers: 1})
	require.Equal(t, repodataFiles(t, a), repodataFiles(t, b))

	t.Run("again in place gives the same bytes", func(t *testing.T) {
		before := repodataFiles(t, a)
		generate(t, a, optionsAt(fixedTime))
		require.Equal(t, before, repodataFiles(t, a))
	})
	t.Run("revision and timestamps follow the time", func(t *testing.T) {
		res := generate(t, a, optionsAt(fixedTime.Add(time.Hour)))
		require.Equal(t, "1710003600", res.Repomd.Revision)
		for _, d := range res.Repomd.Data {
			require.Equal(t, int64(1710003600), d.Timestamp)
		}
		res = generate(t, a, repodata.Options{Time: fixedTime, Revision: "42"})
		require.Equal(t, "42", res.Repomd.Revision)
	})
}

func TestUpdate(t *testing.T) {
	specs := testrpm.Generated(12)
	src := t.TempDir()
	rpms := testrpm.Write(t, src, specs...)
	dir := t.TempDir()
	copyInto(t, dir, "", rpms...)
	first := generate(t, dir, optionsAt(fixedTime))
	require.Equal(t, 12, first.Read)

	// One package deleted, one rebuilt with other content, one added.
	require.NoError(t, os.Remove(filepath.Join(dir, specs[3].FileName())))
	changed := specs[5]
	changed.Files = map[string]string{"/usr/bin/changed": "new\n"}
	copyInto(t, dir, "", testrpm.Write(t, t.TempDir(), changed)...)
	added := testrpm.Spec{Name: "zeta", Files: map[string]string{"/etc/zeta": "z\n"}}
	copyInto(t, dir, "", testrpm.Write(t, t.TempDir(), added)...)

	res := generate(t, dir, repodata.Options{Time: fixedTime, Epoch: fixedTime, Update: true})
	require.Equal(t, 2, res.Read, "only the changed and the added package are read")
	require.Equal(t, 10, res.Reused)
	require.Len(t, res.Packages, 12)

	// Byte-identical to a fresh run on the final directory.
	fresh := t.TempDir()
	for _, p := range res.Packages {
		copyInto(t, fresh, filepath.Dir(p.Location), filepath.Join(dir, p.Location))
	}
	generate(t, fresh, optionsAt(fixedTime))
	require.Equal(t, repodataFiles(t, fresh), repodataFiles(t, dir))

	t.Run("same size and time: not re-read", func(t *testing.T) {
		// Damage a package without changing its size or time: update mode
		// trusts the old entry, as createrepo_c --update does.
		p := filepath.Join(dir, specs[0].FileName())
		data := readAll(t, p)
		data[len(data)-1] ^= 0xff
		require.NoError(t, os.WriteFile(p, data, 0o644))
		require.NoError(t, os.Chtimes(p, fixedTime, fixedTime))
		res := generate(t, dir, repodata.Options{Time: fixedTime, Epoch: fixedTime, Update: true})
		require.Equal(t, 0, res.Read)
		require.Error(t, generateErr(t, dir, optionsAt(fixedTime)), "a full run reads it and refuses it")
	})
	t.Run("unreadable old metadata: everything is read", func(t *testing.T) {
		var log bytes.Buffer
		require.NoError(t, os.WriteFile(filepath.Join(dir, "repodata", "repomd.xml"), []byte("<repomd"), 0o644))
		require.NoError(t, os.Remove(filepath.Join(dir, specs[0].FileName())))
		res := generate(t, dir, repodata.Options{Time: fixedTime, Update: true, Log: &log})
		require.Equal(t, 11, res.Read)
		require.Contains(t, log.String(), "repomd.xml")
	})
}

func TestUpdateMatchesCreaterepoUpdate(t *testing.T) {
	specs := testrpm.Generated(6)
	ours, theirs := t.TempDir(), t.TempDir()
	rpms := testrpm.Write(t, t.TempDir(), specs...)
	copyInto(t, ours, "", rpms...)
	copyInto(t, theirs, "", rpms...)
	generate(t, ours, optionsAt(fixedTime))
	createrepoInPlace(t, theirs)
	for _, d := range []string{ours, theirs} {
		require.NoError(t, os.Remove(filepath.Join(d, specs[2].FileName())))
		copyInto(t, d, "", testrpm.Write(t, t.TempDir(), testrpm.Spec{Name: "added", Files: map[string]string{"/usr/bin/added": "x"}})...)
	}
	generate(t, ours, repodata.Options{Time: fixedTime, Epoch: fixedTime, Update: true})
	createrepoInPlace(t, theirs, "--update")
	o, err := xmltree.Load(ours)
	require.NoError(t, err)
	c, err := xmltree.Load(theirs)
	require.NoError(t, err)
	for _, kind := range []string{"primary", "filelists", "other"} {
		require.Equal(t, c.Docs[kind].Packages(), o.Docs[kind].Packages(), kind)
	}
}

func TestBadInput(t *testing.T) {
	good := testrpm.Build(t, goldenSpecs[0])
	flip := func(at int) []byte {
		b := bytes.Clone(good)
		b[at] ^= 0x55
		return b
	}
	info, err := repodata.ReadRPM(bytes.NewReader(good), repodata.File{Location: "good.rpm"}, -1)
	require.NoError(t, err)
	midHeader := int(info.HeaderEnd - 40) // inside the header's data
	other := testrpm.Build(t, testrpm.Spec{Name: "alpha", Version: "1.0", Release: "1", Files: map[string]string{"/x": "different"}})
	for _, tc := range []struct {
		name  string
		files map[string][]byte
		is    error
		want  []string
	}{
		{"text file named .rpm", map[string][]byte{"notes.rpm": []byte("hello\n")}, repodata.ErrNotRPM, []string{"notes.rpm"}},
		{"empty file", map[string][]byte{"empty.rpm": nil}, repodata.ErrNotRPM, []string{"empty.rpm"}},
		{"truncated", map[string][]byte{"cut.rpm": good[:len(good)/2]}, repodata.ErrCorrupt, []string{"cut.rpm"}},
		{"truncated in the header", map[string][]byte{"cut.rpm": good[:300]}, repodata.ErrCorrupt, []string{"cut.rpm"}},
		{"damaged payload", map[string][]byte{"bad.rpm": flip(len(good) - 20)}, repodata.ErrCorrupt, []string{"bad.rpm", "payload digest"}},
		{"damaged header", map[string][]byte{"bad.rpm": flip(midHeader)}, repodata.ErrCorrupt, []string{"bad.rpm", "header digest"}},
		{"two bad files, both named", map[string][]byte{"a.rpm": []byte("x"), "sub/b.rpm": []byte("y")}, repodata.ErrNotRPM, []string{"a.rpm", "sub/b.rpm"}},
		{"same NEVRA, different content", map[string][]byte{"a/alpha.rpm": good, "b/alpha.rpm": other}, nil, []string{"a/alpha.rpm", "b/alpha.rpm", "alpha-1.0-1.noarch", "different content"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, data := range tc.files {
				p := filepath.Join(dir, name)
				require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
				require.NoError(t, os.WriteFile(p, data, 0o644))
			}
			err := generateErr(t, dir, repodata.Options{})
			require.Error(t, err)
			var bi interface{ BadInput() bool }
			require.True(t, errors.As(err, &bi) && bi.BadInput(), "bad input: %v", err)
			if tc.is != nil {
				require.ErrorIs(t, err, tc.is)
			}
			for _, w := range tc.want {
				require.Contains(t, err.Error(), w)
			}
			require.NoDirExists(t, filepath.Join(dir, "repodata"), "nothing is written")
		})
	}
	t.Run("identical copies are fine", func(t *testing.T) {
		dir := t.TempDir()
		for _, sub := range []string{"a", "b"} {
			require.NoError(t, os.MkdirAll(filepath.Join(dir, sub), 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(dir, sub, "alpha.rpm"), good, 0o644))
		}
		require.Len(t, generate(t, dir, repodata.Options{}).Packages, 2)
	})
}
