package rpm_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec/rpm"
	"github.com/qm-build/qm-build/rpmspec/rpm/rpmtest"
	"github.com/qm-build/qm-build/test/composed"
)

// entries lists a directory's names.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

func TestWriteDir(t *testing.T) {
	pkgs := composed.All(t)
	o := rpm.Options{BuildTime: rpmtest.Epoch}

	t.Run("creates the directory and leaves only the packages", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "a", "rpms")
		names, err := rpm.WriteDir(dir, pkgs, o)
		require.NoError(t, err)
		require.ElementsMatch(t, names, entries(t, dir))
		for i, n := range names {
			require.Equal(t, writeOne(t, pkgs[i], o), readFile(t, filepath.Join(dir, n)))
		}
	})
	t.Run("replaces an existing package", func(t *testing.T) {
		dir := t.TempDir()
		stale := filepath.Join(dir, pkgs[0].FileName())
		require.NoError(t, os.WriteFile(stale, []byte("stale"), 0o644))
		_, err := rpm.WriteDir(dir, pkgs[:1], o)
		require.NoError(t, err)
		require.Equal(t, writeOne(t, pkgs[0], o), readFile(t, stale))
		require.Equal(t, []string{pkgs[0].FileName()}, entries(t, dir))
	})
	t.Run("a bad package leaves the directory untouched", func(t *testing.T) {
		dir := t.TempDir()
		bad := *pkgs[len(pkgs)-1]
		bad.Release = "1-2"
		_, err := rpm.WriteDir(dir, append(pkgs[:len(pkgs)-1:len(pkgs)-1], &bad), o)
		require.ErrorContains(t, err, "release")
		require.Empty(t, entries(t, dir))
	})
	t.Run("stops between packages when cancelled", func(t *testing.T) {
		dir := t.TempDir()
		ctx, cancel := context.WithCancel(context.Background())
		names, err := rpm.WriteDirContext(ctx, dir, pkgs, o, func(string, []byte) { cancel() })
		require.ErrorIs(t, err, context.Canceled)
		require.Equal(t, []string{pkgs[0].FileName()}, names)
		require.Equal(t, names, entries(t, dir))
	})
	t.Run("unknown compressor writes nothing", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "never")
		_, err := rpm.WriteDir(dir, pkgs, rpm.Options{Compressor: "lz4"})
		require.Error(t, err)
		require.NoDirExists(t, dir)
	})
	t.Run("a file in the way fails without a temporary file left", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, os.Mkdir(filepath.Join(dir, pkgs[1].FileName()), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, pkgs[1].FileName(), "x"), nil, 0o644))
		names, err := rpm.WriteDir(dir, pkgs, o)
		require.Error(t, err)
		require.Equal(t, []string{pkgs[0].FileName()}, names)
		for _, e := range entries(t, dir) {
			require.False(t, strings.HasPrefix(e, rpm.TempPrefix), "temporary file %s left behind", e)
		}
	})
}
