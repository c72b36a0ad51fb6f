package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/stages/publish/mirror"
	"github.com/qm-build/qm-build/stages/publish/oci"
	"github.com/qm-build/qm-build/stages/publish/publishtest/repocheck"
	"github.com/qm-build/qm-build/stages/publish/publishtest/testrpm"
	"github.com/qm-build/qm-build/test/verifiers"
)

func mirrorArgs(root string, in ...string) []string {
	return append([]string{"publish", "--mirror", root, "--releasever", "9-stream", "--arch", "x86_64,aarch64"}, in...)
}

func checkMirror(t *testing.T, root string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, arch := range []string{"x86_64", "aarch64"} {
		listed, err := repocheck.Check(filepath.Join(root, mirror.RepoDir("9-stream", arch)))
		require.NoError(t, err, arch)
		out[arch] = listed
	}
	return out
}

func TestPublishMirror(t *testing.T) {
	in := t.TempDir()
	testrpm.WriteProject(t, in, nil)
	testrpm.Write(t, in, testrpm.Spec{Name: "agent", Arch: "x86_64", Files: map[string]string{"/usr/bin/agent": "x"}})
	root := filepath.Join(t.TempDir(), "mirror")
	r := runCLI(t, []string{sde}, append(mirrorArgs(root, in), "--output", "json")...)
	require.Equal(t, exitOK, r.code, r.stderr)
	var res mirror.Result
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &res))
	require.Len(t, res.Repos, 2)
	repos := checkMirror(t, root)
	require.Len(t, repos["x86_64"], len(repos["aarch64"])+1, "the x86_64 package only under x86_64")

	before, err := repocheck.Snapshot(root)
	require.NoError(t, err)
	r = runCLI(t, []string{sde}, mirrorArgs(root, in)...)
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Contains(t, r.stdout, "0 added")
	require.Contains(t, r.stdout, "repodata unchanged")
	after, err := repocheck.Snapshot(root)
	require.NoError(t, err)
	require.Equal(t, before, after, "publishing again changes nothing")
}

// TestPublishMirrorKilled kills a real `qm-build publish --mirror` process
// between two RPMs (built with the test hooks, it stops after placing two
// of the new ones: QM_BUILD_TEST_PUBLISH_STOP_AFTER=2) and checks that the
// tree is consistent, then that a second publish completes it. Nothing
// depends on timing: the process waits to be killed.
func TestPublishMirrorKilled(t *testing.T) {
	root := filepath.Join(t.TempDir(), "mirror")
	first := t.TempDir()
	testrpm.Write(t, first, testrpm.Generated(3)...)
	r := runCLI(t, []string{sde}, mirrorArgs(root, first)...)
	require.Equal(t, exitOK, r.code, r.stderr)
	before := checkMirror(t, root)

	more := t.TempDir()
	testrpm.Write(t, more, testrpm.Generated(12)[3:]...)
	cmd := hookedCommand(t, mirrorArgs(root, more)...)
	cmd.Env = append(cmd.Env, sde, "QM_BUILD_TEST_PUBLISH_STOP_AFTER=2")
	require.NoError(t, cmd.Start())
	placed := func() int {
		m, _ := filepath.Glob(filepath.Join(root, mirror.RepoDir("9-stream", "x86_64"), "Packages", "g", "*.rpm"))
		return len(m)
	}
	deadline := time.Now().Add(5 * time.Minute) // a hang guard only
	for placed() < 5 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
	require.Equal(t, 5, placed(), "killed mid-way, after the 3 old and 2 new RPMs")
	require.Less(t, placed(), 12, "killed before the end")

	// The old repodata stands and lists only files that exist.
	for arch, want := range before {
		listed, err := repocheck.Check(filepath.Join(root, mirror.RepoDir("9-stream", arch)))
		if err != nil {
			require.Contains(t, err.Error(), "indexed", "only: present but not yet indexed")
		}
		require.Equal(t, want, listed)
	}

	r = runCLI(t, []string{sde}, mirrorArgs(root, more)...)
	require.Equal(t, exitOK, r.code, r.stderr)
	after := checkMirror(t, root)
	require.Len(t, after["x86_64"], 12)
	require.Len(t, after["aarch64"], 12)
}

func TestPublishOCI(t *testing.T) {
	skopeo := verifiers.Need(t, "skopeo")
	addr := verifiers.Registry(t, false)
	in := t.TempDir()
	testrpm.WriteProject(t, in, nil)
	ref := addr + "/qm/rpms:1"
	r := runCLI(t, append(publishPathEnv(t), sde), "publish", "--oci", ref, "--insecure", "--with-repodata", "--output", "json", in)
	require.Equal(t, exitOK, r.code, r.stderr)
	var res oci.Result
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &res))

	s := verifiers.Run(t, skopeo, "inspect", "--tls-verify=false", "--raw", "docker://"+ref)
	require.Equal(t, 0, s.Code, s.Stderr)
	require.Contains(t, s.Stdout, `"artifactType":"`+oci.ArtifactType+`"`)
	require.Contains(t, s.Stdout, `"`+oci.AnnotationNEVRA+`":"qm-kvm-`)
	require.Equal(t, len(res.Layers), strings.Count(s.Stdout, `"org.opencontainers.image.title"`))

	t.Run("a refusing registry: clear error, nothing written", func(t *testing.T) {
		ro := verifiers.Registry(t, true)
		cwd := t.TempDir()
		before, err := repocheck.Snapshot(in)
		require.NoError(t, err)
		cmd := cliCommand(t, "publish", "--oci", ro+"/qm/rpms:1", in)
		cmd.Env = append(cmd.Env, publishPathEnv(t)...)
		cmd.Dir = cwd
		out, err := cmd.CombinedOutput()
		require.Error(t, err)
		require.Equal(t, exitFailure, cmd.ProcessState.ExitCode(), string(out))
		require.Contains(t, string(out), "qm-build publish: pushing to "+ro+"/qm/rpms")
		require.Contains(t, string(out), "405")
		after, err := repocheck.Snapshot(in)
		require.NoError(t, err)
		require.Equal(t, before, after)
		entries, err := os.ReadDir(cwd)
		require.NoError(t, err)
		require.Empty(t, entries)
	})
}

func TestPublishBadInput(t *testing.T) {
	dir := t.TempDir()
	testrpm.Write(t, dir, testrpm.Spec{Name: "alpha"})
	notRPM := filepath.Join(t.TempDir(), "notes.rpm")
	require.NoError(t, os.WriteFile(notRPM, []byte("notes"), 0o644))
	root := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"neither target", []string{"publish", dir}, "exactly one of --mirror and --oci"},
		{"both targets", []string{"publish", "--mirror", root, "--oci", "x/y:z", dir}, "exactly one of --mirror and --oci"},
		{"no inputs", []string{"publish", "--mirror", root, "--releasever", "9-stream", "--arch", "x86_64"}, "give the RPMs"},
		{"missing input", []string{"publish", "--mirror", root, "--releasever", "9-stream", "--arch", "x86_64", "/nonexistent.rpm"}, "/nonexistent.rpm"},
		{"a file that is not an RPM", mirrorArgs(root, notRPM), "notes.rpm"},
		{"no release", []string{"publish", "--mirror", root, "--arch", "x86_64", dir}, "--releasever"},
		{"oci flags with a mirror", append(mirrorArgs(root, dir), "--insecure"), "--insecure"},
		{"mirror flags with oci", []string{"publish", "--oci", "127.0.0.1:1/x:y", "--arch", "x86_64", dir}, "--arch"},
		{"a bad reference", []string{"publish", "--oci", "Bad Ref", dir}, "--oci"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, []string{sde}, tc.args...)
			require.Equal(t, exitBadInput, r.code, r.stderr)
			require.Contains(t, r.stderr, tc.want)
		})
	}
	entries, err := os.ReadDir(root)
	require.NoError(t, err)
	require.Empty(t, entries, "nothing published")
}
