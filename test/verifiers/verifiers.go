package verifiers

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Need returns the path of tool, or ends the test when it is missing: it fails
// (always in CI), or skips when QM_BUILD_SKIP_MISSING_TOOLS=1 outside CI.
func Need(t testing.TB, tool string) string {
	t.Helper()
	if p, err := exec.LookPath(tool); err == nil {
		return p
	}
	missing(t, tool, "not on PATH")
	return ""
}

func missing(t testing.TB, tool, why string) {
	t.Helper()
	msg := tool + " is " + why + "; run `make tools` (test/tools/install-verifiers.sh)"
	if os.Getenv("CI") != "true" && os.Getenv("QM_BUILD_SKIP_MISSING_TOOLS") == "1" {
		t.Skip(msg)
	}
	t.Fatal(msg)
}

// RepoRoot is the top of the qm-build checkout (the directory holding go.mod).
func RepoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the verifiers package")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Quadlet returns podman 5's quadlet generator unpacked by install-verifiers.sh
// (QM_BUILD_TOOLS overrides the tools directory, QM_BUILD_QUADLET the binary).
func Quadlet(t testing.TB) string {
	t.Helper()
	p := os.Getenv("QM_BUILD_QUADLET")
	if p == "" {
		dir := os.Getenv("QM_BUILD_TOOLS")
		if dir == "" {
			dir = filepath.Join(RepoRoot(t), ".tools")
		}
		p = filepath.Join(dir, "podman", "usr", "libexec", "podman", "quadlet")
	}
	if fi, err := os.Stat(p); err != nil || fi.Mode()&0o111 == 0 {
		missing(t, "quadlet ("+p+")", "missing")
	}
	return p
}

// Result is what a tool printed and its exit status.
type Result struct {
	Stdout, Stderr string
	Code           int
}

// Cmd describes one tool run.
type Cmd struct {
	Dir     string
	Env     []string // added to a minimal environment (PATH, LANG=C)
	Stdin   []byte
	Timeout time.Duration // default 5 minutes
}

// Run runs name with args and returns its output and exit status. It fails the
// test only when the tool cannot be started at all.
func (c Cmd) Run(t testing.TB, name string, args ...string) Result {
	t.Helper()
	timeout := c.Timeout
	if timeout == 0 {
		timeout = 5 * time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = c.Dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "LANG=C", "LC_ALL=C", "HOME=" + os.Getenv("HOME")}, c.Env...)
	if c.Stdin != nil {
		cmd.Stdin = bytes.NewReader(c.Stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("running %s %s: %v", name, strings.Join(args, " "), err)
		}
		code = ee.ExitCode()
	}
	return Result{Stdout: out.String(), Stderr: errb.String(), Code: code}
}

// Run is Cmd{}.Run.
func Run(t testing.TB, name string, args ...string) Result {
	t.Helper()
	return Cmd{}.Run(t, name, args...)
}

// ScratchHome returns a HOME for rpm and dnf whose .rpmmacros puts the rpm
// database at /var/lib/rpm (Debian's rpm otherwise uses ~/.rpmdb, and dnf has
// no --dbpath). Use it as Cmd.Env "HOME=…".
func ScratchHome(t testing.TB) string {
	t.Helper()
	h := t.TempDir()
	if err := os.WriteFile(filepath.Join(h, ".rpmmacros"), []byte("%_dbpath /var/lib/rpm\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return h
}

// NeedRoot ends the test unless it runs as root, as Need does for a missing
// tool: it fails (always in CI), or skips when QM_BUILD_SKIP_MISSING_TOOLS=1
// outside CI.
func NeedRoot(t testing.TB, why string) {
	t.Helper()
	if os.Geteuid() != 0 {
		missing(t, "root", "needed ("+why+")")
	}
}
