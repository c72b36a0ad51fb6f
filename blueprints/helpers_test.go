package blueprints

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/blueprints/stubrepo"
	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/test/verifiers"
)

// compose returns the content of a plan, as `qm-build manifest` composes it
// (no target tree, so no facts).
func compose(t testing.TB, o rootfs.Options) *rootfs.Content {
	t.Helper()
	cat, err := rpmspec.Builtin()
	require.NoError(t, err)
	plan, err := rootfs.NewPlan(o, cat)
	require.NoError(t, err)
	c, err := rootfs.Compose(plan, rootfs.Facts{})
	require.NoError(t, err)
	return c
}

// stubRepo writes an indexed file:// repository of stand-in distribution
// packages for arch plus the content's own packages, without omit.
func stubRepo(t testing.TB, arch string, c *rootfs.Content, omit ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "repo")
	_, err := stubrepo.Write(dir, arch, c.Packages, omit...)
	require.NoError(t, err)
	r := verifiers.Run(t, verifiers.Need(t, "createrepo_c"), "-q", "--no-database", dir)
	require.Zero(t, r.Code, r.Stderr)
	return dir
}

// dnfOptions resolves against the repository at dir.
func dnfOptions(t testing.TB, dir string) DNFOptions {
	return DNFOptions{
		DNF:     verifiers.Need(t, "dnf"),
		Repos:   []LockRepo{{ID: "stub", BaseURL: "file://" + dir}},
		WorkDir: t.TempDir(),
		Path:    os.Getenv("PATH"),
	}
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	return b
}
