package selinux

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBuildModule: a miss compiles and stores the module, a hit returns the
// same bytes without compiling, a cached file that is not the version's qm
// module is replaced, another version has a key of its own, and no cache
// directory means no file.
func TestBuildModule(t *testing.T) {
	tools := needPolicyTools(t)
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "cache")
	srcs, err := Sources("1.0")
	require.NoError(t, err)

	m, hit, err := BuildModule(ctx, srcs, tools, dir, "1.0")
	require.NoError(t, err)
	require.False(t, hit, "an empty cache misses")
	cached, err := filepath.Glob(filepath.Join(dir, "*.pp"))
	require.NoError(t, err)
	require.Len(t, cached, 1)

	again, hit, err := BuildModule(ctx, srcs, tools, dir, "1.0")
	require.NoError(t, err)
	require.True(t, hit)
	require.Equal(t, m, again)
	compiled, err := Compile(ctx, srcs, tools)
	require.NoError(t, err)
	require.Equal(t, compiled, again.PP, "a hit gives the bytes a compile gives")
	bz, err := Bzip2(ctx, tools, compiled)
	require.NoError(t, err)
	require.Equal(t, bz, again.Bzip2)

	require.NoError(t, os.WriteFile(cached[0], []byte("not a policy package"), 0o644))
	fixed, hit, err := BuildModule(ctx, srcs, tools, dir, "1.0")
	require.NoError(t, err)
	require.False(t, hit, "a corrupt entry is not used")
	require.Equal(t, m, fixed)
	data, err := os.ReadFile(cached[0])
	require.NoError(t, err)
	require.Equal(t, m.PP, data, "and it is replaced")

	srcs2, err := Sources("2.0")
	require.NoError(t, err)
	m2, hit, err := BuildModule(ctx, srcs2, tools, dir, "2.0")
	require.NoError(t, err)
	require.False(t, hit, "another version has a key of its own")
	_, v, err := ModuleInfo(m2.PP)
	require.NoError(t, err)
	require.Equal(t, "2.0", v)
	cached, err = filepath.Glob(filepath.Join(dir, "*.pp"))
	require.NoError(t, err)
	require.Len(t, cached, 2)

	_, hit, err = BuildModule(ctx, srcs, tools, "", "1.0")
	require.NoError(t, err)
	require.False(t, hit)
}
