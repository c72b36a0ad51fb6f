package build_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/rpmspec/rpm/rpmtest"
	"github.com/qm-build/qm-build/stages"
	"github.com/qm-build/qm-build/stages/build"
)

func TestRPMsStage(t *testing.T) {
	cat, err := rpmspec.Builtin()
	require.NoError(t, err)
	plan, err := rootfs.NewPlan(rootfs.Options{Dropins: []string{"kvm,sound"}, Epoch: rpmtest.Epoch}, cat)
	require.NoError(t, err)

	out := t.TempDir()
	b := &stages.Build{Plan: plan, Epoch: plan.Epoch, OutDir: out}
	require.NoError(t, stages.Run(context.Background(), b, []stages.Stage{stages.Compose, build.RPMs}, nil))
	require.Len(t, b.Artifacts, len(b.Content.Packages))
	for i, p := range b.Content.Packages {
		a := b.Artifacts[i]
		require.Equal(t, "rpms", a.Stage)
		require.Equal(t, "rpm", a.Kind)
		require.Equal(t, "rpms/"+p.FileName(), a.Path)
		data, err := os.ReadFile(filepath.Join(out, a.Path))
		require.NoError(t, err)
		sum := sha256.Sum256(data)
		require.Equal(t, hex.EncodeToString(sum[:]), a.SHA256)
		require.Equal(t, int64(len(data)), a.Size)
	}
	r := rpmtest.NewRPM(t)
	require.Equal(t, "1700000000", r.Query(t, "%{BUILDTIME}", filepath.Join(out, b.Artifacts[0].Path)), "the build time is the build's epoch")

	t.Run("no output directory, nothing written", func(t *testing.T) {
		b := &stages.Build{Plan: plan}
		require.NoError(t, stages.Run(context.Background(), b, []stages.Stage{stages.Compose, build.RPMs}, nil))
		require.Empty(t, b.Artifacts)
	})
	t.Run("a cancelled build writes nothing", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		b := &stages.Build{Plan: plan, OutDir: t.TempDir()}
		require.NoError(t, stages.Compose.Run(ctx, b))
		err := build.RPMs.Run(ctx, b)
		require.ErrorIs(t, err, context.Canceled)
		require.NoDirExists(t, filepath.Join(b.OutDir, build.RPMsDir))
	})
}
