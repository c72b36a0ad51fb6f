package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/stages/osbuildstage"
	"github.com/qm-build/qm-build/test/verifiers"
)

// semverRE is semver.org's regular expression for a version.
var semverRE = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)

// TestVersionScript runs hack/version.sh (what make build stamps into the
// programs) on a real git history: no tag, a release tag, commits after
// it, uncommitted changes, a pre-release tag. Each version is a semantic
// version, and the rpm versions made of them (osbuild-stage rpm's default
// --pkg-version) sort in the history's order by rpm's own comparison.
func TestVersionScript(t *testing.T) {
	git := verifiers.Need(t, "git")
	rpm := verifiers.Need(t, "rpm")
	script := filepath.Join(verifiers.RepoRoot(t), "hack", "version.sh")
	dir := t.TempDir()
	gitEnv := verifiers.Cmd{Dir: dir, Env: []string{"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.org", "GIT_CONFIG_GLOBAL=/dev/null"}}
	run := func(args ...string) string {
		t.Helper()
		r := gitEnv.Run(t, git, args...)
		require.Equal(t, 0, r.Code, r.Stderr)
		return strings.TrimSpace(r.Stdout)
	}
	commit := func(content string) string {
		t.Helper()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "f"), []byte(content), 0o644))
		run("add", "f")
		run("commit", "-q", "-m", content)
		return run("rev-parse", "--short=12", "HEAD")
	}
	version := func() string {
		t.Helper()
		r := verifiers.Run(t, "sh", script, dir)
		require.Equal(t, 0, r.Code, r.Stderr)
		return strings.TrimSpace(r.Stdout)
	}

	outside := verifiers.Run(t, "sh", script, t.TempDir())
	require.Equal(t, "0.0.0-dev\n", outside.Stdout, "not a git checkout")

	run("init", "-q")
	var history []string
	step := func(want string) {
		t.Helper()
		got := version()
		require.Equal(t, want, got)
		require.Regexp(t, semverRE, got)
		history = append(history, got)
	}
	h := commit("1")
	step("0.0.0-dev+g" + h)
	run("tag", "v0.2.0")
	step("0.2.0")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "f"), []byte("changed"), 0o644))
	require.Equal(t, "0.2.0+dirty", version())
	h = commit("2")
	step("0.2.1-dev.1+g" + h)
	h = commit("3")
	step("0.2.1-dev.2+g" + h)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "f"), []byte("changed"), 0o644))
	require.Equal(t, "0.2.1-dev.2+g"+h+".dirty", version())
	run("checkout", "-q", "f")
	run("tag", "v0.2.1")
	step("0.2.1")
	h = commit("4")
	run("tag", "v0.3.0-rc1")
	step("0.3.0-rc1")
	h = commit("5")
	step("0.3.0-rc1.dev.1+g" + h)
	h = commit("6")
	run("tag", "v0.3.0")
	step("0.3.0")

	for i := 1; i < len(history); i++ {
		a, b := osbuildstage.PackageVersion(history[i-1]), osbuildstage.PackageVersion(history[i])
		r := verifiers.Run(t, rpm, "--eval", `%{lua: print(rpm.vercmp("`+a+`", "`+b+`"))}`)
		require.Equal(t, 0, r.Code, r.Stderr)
		cmp, err := strconv.Atoi(strings.TrimSpace(r.Stdout))
		require.NoError(t, err, r.Stdout)
		require.Equal(t, -1, cmp, "rpm sorts %s (%s) before %s (%s)", a, history[i-1], b, history[i])
	}
}

func TestVersionFlag(t *testing.T) {
	v, c := toolVersion, toolCommit
	t.Cleanup(func() { toolVersion, toolCommit = v, c })
	toolVersion, toolCommit = "0.2.0", "80e7cd30c6a6"
	for _, args := range [][]string{{"--version"}, {"version"}} {
		r := runCLI(t, nil, args...)
		require.Equal(t, exitOK, r.code, r.stderr)
		require.Equal(t, "qm-build 0.2.0 (commit 80e7cd30c6a6)\n", r.stdout)
	}
}
