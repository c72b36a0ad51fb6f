package build

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
)

var testEpoch = time.Unix(1700000000, 0).UTC()

func testPlan(t testing.TB, o rootfs.Options) *rootfs.Plan {
	t.Helper()
	cat, err := rpmspec.Builtin()
	require.NoError(t, err)
	if o.Epoch.IsZero() {
		o.Epoch = testEpoch
	}
	p, err := rootfs.NewPlan(o, cat)
	require.NoError(t, err)
	return p
}
