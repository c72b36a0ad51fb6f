package atomic

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// noTemps fails when dir holds a temporary file of this package.
func noTemps(t *testing.T, dir string) {
	t.Helper()
	require.NoError(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		require.NoError(t, err)
		require.False(t, IsTemp(d.Name()), "temporary file left behind: %s", p)
		return nil
	}))
}

func TestWriteFile(t *testing.T) {
	for _, tc := range []struct {
		name    string
		setup   func(t *testing.T, dir string)
		target  string
		wantErr string
	}{
		{"new file", nil, "a.txt", ""},
		{"replaces a file", func(t *testing.T, dir string) {
			require.NoError(t, os.WriteFile(filepath.Join(dir, "a.txt"), []byte("old"), 0o600))
		}, "a.txt", ""},
		{"in a subdirectory", func(t *testing.T, dir string) {
			require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
		}, "sub/a.txt", ""},
		{"dot-dot escapes", nil, "../a.txt", "escapes"},
		{"symlinked directory escapes", func(t *testing.T, dir string) {
			require.NoError(t, os.Symlink(t.TempDir(), filepath.Join(dir, "out")))
		}, "out/a.txt", "escapes"},
		{"target is a directory", func(t *testing.T, dir string) {
			require.NoError(t, os.Mkdir(filepath.Join(dir, "a.txt"), 0o755))
		}, "a.txt", "file exists"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.setup != nil {
				tc.setup(t, dir)
			}
			root, err := os.OpenRoot(dir)
			require.NoError(t, err)
			defer root.Close()
			err = WriteFile(root, tc.target, []byte("new"), 0o640)
			noTemps(t, dir)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			got, err := os.ReadFile(filepath.Join(dir, tc.target))
			require.NoError(t, err)
			require.Equal(t, "new", string(got))
			fi, err := os.Stat(filepath.Join(dir, tc.target))
			require.NoError(t, err)
			require.Equal(t, os.FileMode(0o640), fi.Mode().Perm())
		})
	}
}

func TestAbortLeavesTheTargetAlone(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a"), []byte("old"), 0o644))
	root, err := os.OpenRoot(dir)
	require.NoError(t, err)
	defer root.Close()
	f, err := Create(root, "a")
	require.NoError(t, err)
	_, err = f.Write([]byte("half"))
	require.NoError(t, err)
	f.Abort()
	f.Abort()
	require.Error(t, f.Commit(time.Time{}), "no commit after abort")
	got, err := os.ReadFile(filepath.Join(dir, "a"))
	require.NoError(t, err)
	require.Equal(t, "old", string(got))
	noTemps(t, dir)
}

func TestCommitSetsTheTime(t *testing.T) {
	dir := t.TempDir()
	root, err := os.OpenRoot(dir)
	require.NoError(t, err)
	defer root.Close()
	f, err := Create(root, "a")
	require.NoError(t, err)
	epoch := time.Unix(1700000000, 0)
	require.NoError(t, f.Commit(epoch))
	f.Abort() // a no-op after Commit
	fi, err := os.Stat(filepath.Join(dir, "a"))
	require.NoError(t, err)
	require.True(t, fi.ModTime().Equal(epoch))
}

func TestWritePathNamesTheFile(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no", "such", "dir", "x.json")
	err := WritePath(missing, []byte("{}"), 0o644)
	require.ErrorContains(t, err, "writing "+missing)
	ok := filepath.Join(t.TempDir(), "x.json")
	require.NoError(t, WritePath(ok, []byte("{}"), 0o644))
}

func TestTempNames(t *testing.T) {
	a, b := TempName("dir/file.rpm"), TempName("dir/file.rpm")
	require.NotEqual(t, a, b)
	require.Equal(t, "dir", filepath.Dir(a))
	require.True(t, IsTemp(filepath.Base(a)))
	require.False(t, IsTemp("file.rpm"))
	require.False(t, IsTemp("qm-build-1.0.rpm"))
}
