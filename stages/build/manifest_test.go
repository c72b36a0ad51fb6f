package build

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/blueprints"
	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/stages"
	"github.com/qm-build/qm-build/test/verifiers"
)

const fixtureLock = "../../blueprints/manifest/testdata/lock-cs9-x86_64.json"

func manifestBuild(t *testing.T, lock string) *stages.Build {
	t.Helper()
	cat, err := rpmspec.Builtin()
	require.NoError(t, err)
	plan, err := rootfs.NewPlan(rootfs.Options{Distro: "cs9", Arch: "x86_64", Dropins: []string{"kvm"}, Epoch: time.Unix(1700000000, 0).UTC()}, cat)
	require.NoError(t, err)
	b := &stages.Build{Plan: plan, Epoch: plan.Epoch, OutDir: t.TempDir(), Env: func(k string) string {
		if k == PackagesLockEnv {
			return lock
		}
		return ""
	}}
	if lock != "" {
		b.ManifestBinary = manifestBinary(t)
	}
	require.NoError(t, stages.Run(context.Background(), b, []stages.Stage{stages.Compose, RPMs, Manifest, Blueprint}, nil))
	return b
}

func TestManifestStageWithoutALockSaysSo(t *testing.T) {
	b := manifestBuild(t, "")
	_, err := os.Stat(filepath.Join(b.OutDir, ManifestFile("cs9", "x86_64")))
	require.ErrorIs(t, err, os.ErrNotExist, "no manifest with unresolved packages")
	require.Contains(t, strings.Join(b.Notes, "\n"), "manifest-cs9-x86_64.json not written")
	require.Contains(t, strings.Join(b.Notes, "\n"), PackagesLockEnv)
}

func TestManifestStageUsesTheBuildsRPMs(t *testing.T) {
	b := manifestBuild(t, fixtureLock)
	name := ManifestFile("cs9", "x86_64")
	data, err := os.ReadFile(filepath.Join(b.OutDir, name))
	require.NoError(t, err)
	for _, a := range b.Artifacts {
		if a.Kind != "rpm" {
			continue
		}
		require.Contains(t, string(data), `"sha256:`+a.SHA256+`": {`)
		require.Contains(t, string(data), "file://"+filepath.Join(b.OutDir, a.Path))
	}
	require.NotContains(t, string(data), "qm-build-stubs/cs9/x86_64/qm-1.0-1.noarch.rpm", "the lock's qm is replaced by the build's")
	var kinds []string
	for _, a := range b.Artifacts {
		kinds = append(kinds, a.Kind+":"+a.Path)
	}
	require.Contains(t, kinds, "manifest:"+name)
	require.Contains(t, kinds, "blueprint:"+BlueprintFile)

	again := manifestBuild(t, fixtureLock)
	data2, err := os.ReadFile(filepath.Join(again.OutDir, name))
	require.NoError(t, err)
	require.Equal(t, strings.ReplaceAll(string(data), b.OutDir, "OUT"), strings.ReplaceAll(string(data2), again.OutDir, "OUT"), "the same build gives the same manifest")
}

func TestManifestStageRejectsABadLock(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "lock.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"version": 1, "repos": [], "pipelines": {"os": [{"name": "x"}]}}`), 0o644))
	cat, err := rpmspec.Builtin()
	require.NoError(t, err)
	plan, err := rootfs.NewPlan(rootfs.Options{Distro: "cs9"}, cat)
	require.NoError(t, err)
	b := &stages.Build{Plan: plan, OutDir: t.TempDir(), Env: func(string) string { return bad }, ManifestBinary: manifestBinary(t)}
	err = stages.Run(context.Background(), b, []stages.Stage{stages.Compose, RPMs, Manifest}, nil)
	require.ErrorContains(t, err, "stage manifest")
	require.ErrorContains(t, err, "lock.json:1")
	var se *stages.StageError
	require.ErrorAs(t, err, &se)
	require.True(t, se.BadInput())
}

// TestManifestStageWithoutTheBinarySaysSo: a lock but no qm-build-manifest
// installed writes no manifest and says why.
func TestManifestStageWithoutTheBinarySaysSo(t *testing.T) {
	cat, err := rpmspec.Builtin()
	require.NoError(t, err)
	plan, err := rootfs.NewPlan(rootfs.Options{Distro: "cs9"}, cat)
	require.NoError(t, err)
	b := &stages.Build{Plan: plan, OutDir: t.TempDir(), PackagesLock: fixtureLock}
	require.NoError(t, stages.Run(context.Background(), b, []stages.Stage{stages.Compose, RPMs, Manifest}, nil))
	require.NoFileExists(t, filepath.Join(b.OutDir, ManifestFile("cs9", "x86_64")))
	require.Contains(t, strings.Join(b.Notes, "\n"), "qm-build-manifest is not installed")
}

// manifestBinary builds cmd/qm-build-manifest, the program the stage runs.
func manifestBinary(t *testing.T) string {
	t.Helper()
	return verifiers.Binary(t, "./cmd/qm-build-manifest")
}

func TestBlueprintStageWritesTheFragment(t *testing.T) {
	b := manifestBuild(t, "")
	data, err := os.ReadFile(filepath.Join(b.OutDir, BlueprintFile))
	require.NoError(t, err)
	bp, err := blueprints.ParseBlueprint(bytes.NewReader(data), BlueprintFile)
	require.NoError(t, err)
	require.NoError(t, blueprints.ValidateFragment(bp, BlueprintFile))
	require.Equal(t, []string{"qm-1.0-1", "qm-kvm-1.0-1"}, bp.GetPackagesEx(false))
}
