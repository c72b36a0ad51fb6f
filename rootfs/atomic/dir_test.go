package atomic

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// listing names every path under dir (relative), with a "/" after
// directories and "@" after symlinks.
func listing(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		require.NoError(t, err)
		rel, _ := filepath.Rel(dir, p)
		switch {
		case rel == ".":
			return nil
		case d.Type()&fs.ModeSymlink != 0:
			rel += "@"
		case d.IsDir():
			rel += "/"
		}
		out = append(out, rel)
		return nil
	}))
	sort.Strings(out)
	return out
}

// ownsTxt owns regular *.txt files and the directory "sub".
func ownsTxt(e fs.DirEntry) bool {
	return e.Type().IsRegular() && filepath.Ext(e.Name()) == ".txt" || e.IsDir() && e.Name() == "sub"
}

func TestDirReplacesAsAWhole(t *testing.T) {
	epoch := time.Unix(1700000000, 0)
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, p string)
	}{
		{"absent", nil},
		{"empty", func(t *testing.T, p string) { require.NoError(t, os.Mkdir(p, 0o700)) }},
		{"an earlier output, with a read-only directory", func(t *testing.T, p string) {
			require.NoError(t, os.MkdirAll(filepath.Join(p, "sub", "deep"), 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(p, "old.txt"), []byte("old"), 0o644))
			require.NoError(t, os.WriteFile(filepath.Join(p, "sub", "deep", "x"), []byte("x"), 0o644))
			require.NoError(t, os.Chmod(filepath.Join(p, "sub"), 0o555))
		}},
		{"an earlier output, with a symlink deep inside", func(t *testing.T, p string) {
			require.NoError(t, os.MkdirAll(filepath.Join(p, "sub"), 0o755))
			require.NoError(t, os.Symlink("/", filepath.Join(p, "sub", "escape")))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parent := t.TempDir()
			p := filepath.Join(parent, "out")
			if tc.setup != nil {
				tc.setup(t, p)
			}
			d, err := NewDir(p, DirOptions{Owned: ownsTxt, Epoch: epoch})
			require.NoError(t, err)
			defer d.Abort()
			require.NoError(t, os.MkdirAll(filepath.Join(d.Path(), "sub"), 0o755))
			require.NoError(t, WriteFile(d.Root(), "sub/new.txt", []byte("new"), 0o644))
			require.NoError(t, d.Root().Symlink("new.txt", "sub/link"))
			_, err = os.Stat(filepath.Join(p, "sub", "new.txt"))
			require.Error(t, err, "nothing is visible before Commit")
			require.NoError(t, d.Commit())
			d.Abort() // a no-op after Commit
			require.Equal(t, []string{"out/", "out/sub/", "out/sub/link@", "out/sub/new.txt"}, listing(t, parent), "only the new content, nothing beside it")
			for _, rel := range []string{"", "sub", "sub/new.txt", "sub/link"} {
				fi, err := os.Lstat(filepath.Join(p, rel))
				require.NoError(t, err)
				require.True(t, fi.ModTime().Equal(epoch), "%q has %s", rel, fi.ModTime())
			}
			fi, err := os.Stat(p)
			require.NoError(t, err)
			require.Equal(t, fs.FileMode(0o755), fi.Mode().Perm())
		})
	}
}

func TestDirRefusesWhatItDoesNotOwn(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, p, outside string)
		want  string
	}{
		{"a symlink in its place", func(t *testing.T, p, outside string) {
			require.NoError(t, os.Symlink(outside, p))
		}, "is a symlink"},
		{"a file in its place", func(t *testing.T, p, _ string) {
			require.NoError(t, os.WriteFile(p, nil, 0o644))
		}, "exists and is not a directory"},
		{"a foreign file", func(t *testing.T, p, _ string) {
			require.NoError(t, os.Mkdir(p, 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(p, "thesis.tex"), nil, 0o644))
		}, `holds "thesis.tex", which is not written there`},
		{"a symlink in place of an owned entry", func(t *testing.T, p, outside string) {
			require.NoError(t, os.Mkdir(p, 0o755))
			require.NoError(t, os.Symlink(outside, filepath.Join(p, "sub")))
		}, `holds "sub", a symlink, which is never followed`},
		{"the root directory", nil, "is the root directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parent, outside := t.TempDir(), t.TempDir()
			p := filepath.Join(parent, "out")
			if tc.setup == nil {
				p = "/"
			} else {
				tc.setup(t, p, outside)
			}
			before := listing(t, parent)
			_, err := NewDir(p, DirOptions{Owned: ownsTxt})
			require.ErrorContains(t, err, tc.want)
			var de *DirError
			require.ErrorAs(t, err, &de)
			require.True(t, de.BadInput())
			require.Equal(t, before, listing(t, parent))
			require.Empty(t, listing(t, outside))
		})
	}
}

// TestDirAbortAndStaleStaging: Abort removes the staging directory and
// leaves the old one; a staging directory a killed run left is removed by
// the next NewDir, and look-alikes of other names are not.
func TestDirAbortAndStaleStaging(t *testing.T) {
	parent := t.TempDir()
	p := filepath.Join(parent, "out")
	require.NoError(t, os.MkdirAll(filepath.Join(p, "sub"), 0o755))
	d, err := NewDir(p, DirOptions{Owned: ownsTxt})
	require.NoError(t, err)
	require.NoError(t, WriteFile(d.Root(), "a.txt", []byte("a"), 0o644))
	d.Abort()
	require.Equal(t, []string{"out/", "out/sub/"}, listing(t, parent))

	killed := filepath.Join(parent, ".out.qm-build-0123456789ab")
	require.NoError(t, os.MkdirAll(filepath.Join(killed, "sub"), 0o555))
	other := filepath.Join(parent, ".other.qm-build-0123456789ab")
	require.NoError(t, os.Mkdir(other, 0o755))
	notOurs := filepath.Join(parent, ".out.qm-build-notours")
	require.NoError(t, os.Mkdir(notOurs, 0o755))
	d, err = NewDir(p, DirOptions{Owned: ownsTxt})
	require.NoError(t, err)
	d.Abort()
	require.NoDirExists(t, killed)
	require.DirExists(t, other)
	require.DirExists(t, notOurs)
}

func TestSetTimesDoesNotFollowSymlinks(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	require.NoError(t, os.WriteFile(target, nil, 0o644))
	require.NoError(t, os.Symlink("target", filepath.Join(dir, "link")))
	require.NoError(t, os.Symlink("/nonexistent", filepath.Join(dir, "dangling")))
	before, err := os.Stat(target)
	require.NoError(t, err)
	root, err := os.OpenRoot(dir)
	require.NoError(t, err)
	defer root.Close()
	epoch := time.Unix(1700000000, 0)
	require.NoError(t, SetTimes(root, epoch, "link", "dangling", "."))
	for _, n := range []string{"link", "dangling", "."} {
		fi, err := os.Lstat(filepath.Join(dir, n))
		require.NoError(t, err)
		require.True(t, fi.ModTime().Equal(epoch), n)
	}
	after, err := os.Stat(target)
	require.NoError(t, err)
	require.Equal(t, before.ModTime(), after.ModTime(), "the link's target keeps its time")
}

func TestIsTempIsExact(t *testing.T) {
	for _, tc := range []struct {
		base, of string
		want     bool
	}{
		{".a.conf.qm-build-0123456789ab", "a.conf", true},
		{".a.conf.qm-build-0123456789AB", "a.conf", false},
		{".a.conf.qm-build-0123456789a", "a.conf", false},
		{".a.conf.qm-build-0123456789abc", "a.conf", false},
		{"a.conf.qm-build-0123456789ab", "a.conf", false},
		{".qm-build-0123456789ab", "", false},
		{".x.qm-build-tmp", "x", false},
	} {
		require.Equal(t, tc.want, IsTemp(tc.base), tc.base)
		require.Equal(t, tc.want, IsTempOf(tc.base, tc.of), tc.base)
	}
	require.True(t, IsTempOf(TempName("dir/x.rpm")[4:], "x.rpm"))
}
