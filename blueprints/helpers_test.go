package blueprints

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
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

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	return b
}
