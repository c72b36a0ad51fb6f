package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/test/verifiers"
)

// builtTree runs `qm-build build --dropin all` and returns OUT/tree.
func builtTree(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	r := runCLI(t, []string{"SOURCE_DATE_EPOCH=1700000000"}, "build", "--dropin", "all", "--out", out)
	require.Equal(t, exitOK, r.code, r.stderr)
	return filepath.Join(out, "tree")
}

func writeFile(t *testing.T, p, body string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
}

func TestCheckCommand(t *testing.T) {
	tree := builtTree(t)
	r := runCLI(t, nil, "check", tree)
	require.Equal(t, exitOK, r.code, r.stdout+r.stderr)
	require.Contains(t, r.stdout, "0 error(s), 0 warning(s), profile default: passed")

	// One defect, in a drop-in: exit 1, the finding names file and line.
	writeFile(t, filepath.Join(tree, "etc/containers/systemd/qm.container.d/90-rw.conf"), "[Container]\n# writable\nReadOnly=false\n")
	r = runCLI(t, nil, "check", tree)
	require.Equal(t, exitFailure, r.code, r.stdout+r.stderr)
	require.Contains(t, r.stdout, "/etc/containers/systemd/qm.container.d/90-rw.conf:3: QM106 error: QM's root is writable")
	require.Contains(t, r.stdout, "\n    /etc/containers/systemd/qm.container.d/90-rw.conf:3: ReadOnly=false\n", "the chain of files follows the finding")
	require.Empty(t, r.stderr)

	r = runCLI(t, nil, "check", "--output", "json", tree)
	require.Equal(t, exitFailure, r.code)
	var rep struct {
		Errors []struct {
			Rule, Path string
			Line       int
		}
		Warnings []any
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep))
	require.Len(t, rep.Errors, 1)
	require.Equal(t, "QM106", rep.Errors[0].Rule)
	require.Equal(t, 3, rep.Errors[0].Line)

	r = runCLI(t, nil, "check", "--output", "sarif", tree)
	require.Equal(t, exitFailure, r.code)
	require.Contains(t, r.stdout, `"ruleId": "QM106"`)
	require.Contains(t, r.stdout, `"startLine": 3`)

	allow := filepath.Join(t.TempDir(), "qm.allow")
	writeFile(t, allow, "# QM may write its root here\nwritable-qm\n")
	r = runCLI(t, nil, "check", "--allow", allow, tree)
	require.Equal(t, exitOK, r.code, r.stdout)

	// A warning fails only the strict profile.
	writeFile(t, filepath.Join(tree, "etc/containers/systemd/qm.container.d/91-nested.conf"), "[Container]\nSecurityLabelNested=false\n")
	r = runCLI(t, nil, "check", "--allow", allow, tree)
	require.Equal(t, exitOK, r.code, r.stdout)
	require.Contains(t, r.stdout, "QM105 warning")
	r = runCLI(t, nil, "check", "--allow", allow, "--profile", "strict", tree)
	require.Equal(t, exitFailure, r.code, r.stdout)
}

func TestCheckListRules(t *testing.T) {
	r := runCLI(t, nil, "check", "--list-rules")
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Contains(t, r.stdout, "QM101")
	require.Contains(t, r.stdout, "QM805")
	r = runCLI(t, nil, "check", "--list-rules", "--output", "json")
	require.Equal(t, exitOK, r.code, r.stderr)
	var rules []map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rules))
	require.Greater(t, len(rules), 40)
}

// TestCheckBadInput: every unreadable target, flag or file is exit status 2
// with a reason on stderr.
func TestCheckBadInput(t *testing.T) {
	dir := t.TempDir()
	badAllow := filepath.Join(dir, "bad.allow")
	writeFile(t, badAllow, "writable-qm\nfrobnicate now\n")
	garbage := filepath.Join(dir, "garbage.tar")
	writeFile(t, garbage, "this is not an archive")
	rpms := filepath.Join(dir, "rpms")
	writeFile(t, filepath.Join(rpms, "qm-1.0-1.noarch.rpm"), "\xed\xab\xee\xdb truncated")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no target", []string{"check"}, "want exactly one TARGET"},
		{"two targets", []string{"check", dir, dir}, "want exactly one TARGET"},
		{"missing directory", []string{"check", filepath.Join(dir, "nope")}, "no such file or directory"},
		{"corrupt docker-archive", []string{"check", "docker-archive:" + garbage}, "target docker-archive:"},
		{"corrupt oci-archive", []string{"check", "oci-archive:" + garbage}, "target oci-archive:"},
		{"truncated RPM", []string{"check", rpms}, "qm-1.0-1.noarch.rpm"},
		{"bad allow file", []string{"check", "--allow", badAllow, dir}, "bad.allow:2: frobnicate: unknown statement"},
		{"missing allow file", []string{"check", "--allow", filepath.Join(dir, "none"), dir}, "--allow"},
		{"bad keyring", []string{"check", "--keyring", garbage, dir}, "--keyring"},
		{"bad arch", []string{"check", "--arch", "mips", dir}, `--arch "mips"`},
		{"bad profile", []string{"check", "--profile", "lax", dir}, "unknown profile"},
		{"bad output", []string{"check", "--output", "xml", dir}, "--output"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, nil, tc.args...)
			require.Equal(t, exitBadInput, r.code, r.stdout+r.stderr)
			require.Contains(t, r.stderr, tc.want)
		})
	}
}

// TestCheckExitStatusOfTheProcess runs the real binary: findings are exit 1.
func TestCheckExitStatusOfTheProcess(t *testing.T) {
	tree := builtTree(t)
	require.NoError(t, os.Remove(filepath.Join(tree, "usr/share/qm/seccomp-no-rt.json")))
	cmd := cliCommand(t, "check", tree)
	out, err := cmd.Output()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	require.Equal(t, exitFailure, ee.ExitCode())
	require.True(t, strings.Contains(string(out), "QM113"), string(out))
}

// TestCheckHTMLOutput: --output html writes the evidence page, with the
// finding and the allow file's reason, and the exit status of the verdict.
func TestCheckHTMLOutput(t *testing.T) {
	tree := builtTree(t)
	writeFile(t, filepath.Join(tree, "etc/containers/systemd/qm.container.d/90-rw.conf"), "[Container]\nReadOnly=false\n")
	r := runCLI(t, nil, "check", "--output", "html", tree)
	require.Equal(t, exitFailure, r.code, r.stderr)
	require.True(t, strings.HasPrefix(r.stdout, "<!DOCTYPE html>"))
	require.Contains(t, r.stdout, "QM106 error")
	require.Contains(t, r.stdout, "/etc/containers/systemd/qm.container.d/90-rw.conf:2")
	allow := filepath.Join(t.TempDir(), "qm.allow")
	writeFile(t, allow, "writable-qm # the map updater writes its cache in QM's root\n")
	r = runCLI(t, nil, "check", "--output", "html", "--allow", allow, tree)
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Contains(t, r.stdout, "the map updater writes its cache in QM&#39;s root")
	require.Contains(t, r.stdout, ">passed<")
}

// TestCheckProgressOnATerminal runs the real process on a pseudo-terminal
// (util-linux script): the progress line is drawn there, and not with
// --quiet, nor when stderr is not a terminal.
func TestCheckProgressOnATerminal(t *testing.T) {
	script := verifiers.Need(t, "script")
	tree := builtTree(t)
	exe, err := os.Executable()
	require.NoError(t, err)
	onTTY := func(args ...string) string {
		cmd := exec.Command(script, "-qec", exe+" "+strings.Join(args, " ")+" >/dev/null", "/dev/null")
		cmd.Env = append(os.Environ(), "QM_BUILD_AS_MAIN=1")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
		return string(out)
	}
	out := onTTY("check", tree)
	require.Contains(t, out, "\r\x1b[Kreading "+tree)
	require.Contains(t, out, "\r\x1b[Kchecking "+tree)
	require.NotContains(t, onTTY("check", "--quiet", tree), "\x1b[K")
	cmd := cliCommand(t, "check", tree)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Run())
	require.Empty(t, stderr.String(), "no progress when stderr is not a terminal")
}
