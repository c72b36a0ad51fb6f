package stages

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/selinux"
	"github.com/qm-build/qm-build/test/verifiers"
)

// TestDirCache: selinux.BuildModule over the cache on disk stores KEY.pp and
// KEY.pp.bz2, hits on the next build, replaces a file that is not the
// version's module, and gives another version a file of its own.
func TestDirCache(t *testing.T) {
	for _, tool := range []string{"make", "checkmodule", "bzip2"} {
		verifiers.Need(t, tool)
	}
	tools, err := selinux.FindTools(exec.LookPath, os.Stat, selinux.DevelMakefile)
	require.NoError(t, err, "install selinux-policy-dev")
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "cache")
	srcs, err := selinux.Sources("1.0")
	require.NoError(t, err)

	m, hit, err := selinux.BuildModule(ctx, srcs, tools, DirCache(dir), "1.0")
	require.NoError(t, err)
	require.False(t, hit, "an empty cache misses")
	cached, err := filepath.Glob(filepath.Join(dir, "*.pp"))
	require.NoError(t, err)
	require.Len(t, cached, 1)
	bz, err := os.ReadFile(cached[0] + ".bz2")
	require.NoError(t, err)
	require.Equal(t, m.Bzip2, bz)

	again, hit, err := selinux.BuildModule(ctx, srcs, tools, DirCache(dir), "1.0")
	require.NoError(t, err)
	require.True(t, hit)
	require.Equal(t, m, again)

	require.NoError(t, os.WriteFile(cached[0], []byte("not a policy package"), 0o644))
	fixed, hit, err := selinux.BuildModule(ctx, srcs, tools, DirCache(dir), "1.0")
	require.NoError(t, err)
	require.False(t, hit, "a corrupt entry is not used")
	require.Equal(t, m, fixed)
	data, err := os.ReadFile(cached[0])
	require.NoError(t, err)
	require.Equal(t, m.PP, data, "and it is replaced")

	srcs2, err := selinux.Sources("2.0")
	require.NoError(t, err)
	_, hit, err = selinux.BuildModule(ctx, srcs2, tools, DirCache(dir), "2.0")
	require.NoError(t, err)
	require.False(t, hit, "another version has a key of its own")
	cached, err = filepath.Glob(filepath.Join(dir, "*.pp"))
	require.NoError(t, err)
	require.Len(t, cached, 2)
	require.Nil(t, moduleCache(""), "no directory, no cache")
}
