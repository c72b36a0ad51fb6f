package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/test/verifiers"
)

// TestBuildMainJob runs `qm-build build` with no flags but --out (the
// README's main job: offline, embedded defaults), twice: the second run over
// the same OUT leaves the tree as it was.
func TestBuildMainJob(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	r := runCLI(t, []string{treeEpoch}, "build", "--out", out)
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Contains(t, r.stdout, "qm-build wrote "+out)
	require.Contains(t, r.stdout, filepath.Join(out, "rpms", "qm-1.0-1.noarch.rpm"))
	require.Contains(t, r.stdout, "note: check: the tree passes all", "the main job's tree passes its own check")
	for _, stage := range []string{"payload", "skeleton", "nested-config", "bluechi"} {
		require.Contains(t, r.stdout, "    "+stage)
	}
	for _, p := range []string{"rpms/qm-1.0-1.noarch.rpm", "tree/usr/share/containers/systemd/qm.container", "tree/etc/qm/containers/containers.conf", "tree/usr/share/qm/seccomp-no-rt.json"} {
		_, err := os.Stat(filepath.Join(out, p))
		require.NoError(t, err, p)
	}
	first := treeListing(t, filepath.Join(out, "tree"))
	r = runCLI(t, []string{treeEpoch}, "build", "--out", out)
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Equal(t, first, treeListing(t, filepath.Join(out, "tree")))
}

func TestBuildJSONSummary(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	r := runCLI(t, []string{treeEpoch}, "build", "--out", out, "--dropin", "kvm", "--output", "json")
	require.Equal(t, exitOK, r.code, r.stderr)
	var s summary
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &s))
	require.Equal(t, out, s.Out)
	require.Equal(t, []string{"kvm"}, s.Dropins)
	kinds := map[string]int{}
	for _, a := range s.Artifacts {
		kinds[a.Kind]++
		require.NotEmpty(t, a.Path)
	}
	require.Equal(t, 2, kinds["rpm"], "qm and qm-kvm")
	require.Positive(t, kinds["tree"])
	require.Contains(t, s.Stages, "payload")
}

func TestBuildListStages(t *testing.T) {
	r := runCLI(t, nil, "build", "--list-stages")
	require.Equal(t, exitOK, r.code, r.stderr)
	order := []string{"facts", "compose", "rpms", "payload", "skeleton", "nested-config", "quadlet-dropins", "bluechi", "seccomp", "finish-tree"}
	last := -1
	for _, s := range order {
		i := strings.Index(r.stdout, ". "+s+" ")
		require.Greater(t, i, last, "%s in order", s)
		last = i
	}
}

func TestBuildBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"malformed size", []string{"--memory-max", "12XB"}, "--memory-max"},
		{"unknown network", []string{"--network", "wifi"}, "--network"},
		{"invalid hostname", []string{"--hostname", "-car"}, "--hostname"},
		{"output format", []string{"--output", "yaml"}, "--output"},
		{"stray argument", []string{"extra"}, "unexpected argument"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			r := runCLI(t, nil, append([]string{"build", "--out", out}, tc.args...)...)
			require.Equal(t, exitBadInput, r.code, r.stderr)
			require.Contains(t, r.stderr, tc.want)
			_, err := os.Stat(out)
			require.True(t, os.IsNotExist(err), "bad input writes nothing")
		})
	}
}

// TestBuildPackagesLock: --packages-lock gives the manifest stage its lock
// (the flag wins over $QM_BUILD_PACKAGES_LOCK); a lock that cannot be read is
// bad input.
func TestBuildPackagesLock(t *testing.T) {
	verifiers.Need(t, "dnf")
	repo := manifestStubRepo(t, "x86_64", "kvm")
	lock := filepath.Join(t.TempDir(), "lock.json")
	r := runCLI(t, pathEnv(t), "manifest", "--distro", "cs10", "--dropin", "kvm", "--depsolve", "dnf", "--repo", "stub="+repo, "--write-lock", lock, "--out", filepath.Join(t.TempDir(), "m.json"))
	require.Equal(t, exitOK, r.code, r.stderr)

	out := filepath.Join(t.TempDir(), "out")
	r = runCLI(t, append(pathEnv(t), treeEpoch, "QM_BUILD_PACKAGES_LOCK=/nonexistent"), "build", "--out", out, "--dropin", "kvm", "--packages-lock", lock)
	require.Equal(t, exitOK, r.code, r.stderr)
	data, err := os.ReadFile(filepath.Join(out, "manifest-cs10-x86_64.json"))
	require.NoError(t, err)
	require.Contains(t, string(data), "file://"+filepath.Join(out, "rpms", "qm-kvm-1.0-1.noarch.rpm"))
	require.NotContains(t, r.stdout, "not written")

	r = runCLI(t, append(pathEnv(t), treeEpoch), "build", "--out", filepath.Join(t.TempDir(), "o2"), "--packages-lock", filepath.Join(t.TempDir(), "missing.json"))
	require.Equal(t, exitBadInput, r.code, r.stderr)
	require.Contains(t, r.stderr, "stage manifest: reading packages lock")
}
