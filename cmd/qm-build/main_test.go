package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/qm-build/qm-build/test/verifiers"
)

// TestMain lets the test binary act as qm-build itself when QM_BUILD_AS_MAIN=1,
// so that tests can run the real CLI in a subprocess (signals, exit codes,
// argv[0] dispatch) without building it separately.
func TestMain(m *testing.M) {
	if os.Getenv("QM_BUILD_AS_MAIN") == "1" {
		main()
		return
	}
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// binDir holds the companion programs the tests built (binaries), removed
// when the tests end.
var (
	binDir   string
	binMu    sync.Mutex
	binBuilt = map[string]string{}
)

// binary builds one of qm-build's programs once per test binary.
func binary(t testing.TB, pkg string, tags ...string) string {
	t.Helper()
	binMu.Lock()
	defer binMu.Unlock()
	key := pkg + " " + strings.Join(tags, ",")
	if p, ok := binBuilt[key]; ok {
		return p
	}
	if binDir == "" {
		d, err := os.MkdirTemp("", "qm-build-test-bin-")
		if err != nil {
			t.Fatal(err)
		}
		binDir = d
	}
	dir := filepath.Join(binDir, strconv.Itoa(len(binBuilt)))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := verifiers.BinaryIn(t, dir, pkg, tags...)
	binBuilt[key] = p
	return p
}

// pathEnv is PATH with qm-build-manifest first, as `make build` installs it
// beside qm-build, for the tests of `qm-build manifest` and the manifest
// stage.
func pathEnv(t testing.TB) []string {
	t.Helper()
	bin := binary(t, "./cmd/qm-build-manifest")
	return []string{"PATH=" + filepath.Dir(bin) + string(filepath.ListSeparator) + os.Getenv("PATH")}
}

// publishPathEnv is PATH with qm-build-publish first, as `make build`
// installs it beside qm-build, for the tests of `qm-build publish --oci`.
func publishPathEnv(t testing.TB) []string {
	t.Helper()
	bin := binary(t, "./cmd/qm-build-publish")
	return []string{"PATH=" + filepath.Dir(bin) + string(filepath.ListSeparator) + os.Getenv("PATH")}
}

// cliResult is what one in-process CLI run printed and returned.
type cliResult struct {
	stdout, stderr string
	code           int
}

// runCLI runs qm-build in-process with args and the given environment
// variables (KEY=VALUE); nothing else of the real environment is visible.
func runCLI(t *testing.T, vars []string, args ...string) cliResult {
	t.Helper()
	var out, errb bytes.Buffer
	envm := map[string]string{}
	for _, kv := range vars {
		k, v, _ := strings.Cut(kv, "=")
		envm[k] = v
	}
	e := &env{
		stdin:   strings.NewReader(""),
		stdout:  &out,
		stderr:  &errb,
		getenv:  func(k string) string { return envm[k] },
		environ: vars,
	}
	code := run(context.Background(), e, args)
	return cliResult{stdout: out.String(), stderr: errb.String(), code: code}
}

// hookedCommand returns an exec.Cmd that runs qm-build built with the test
// hooks (cli.StopAfter), for the tests that interrupt it at a known point.
func hookedCommand(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(binary(t, "./cmd/qm-build", "qmbuild_testhooks"), args...)
	cmd.Env = os.Environ()
	return cmd
}

// cliCommand returns an exec.Cmd that runs this test binary as qm-build.
func cliCommand(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), "QM_BUILD_AS_MAIN=1")
	return cmd
}
