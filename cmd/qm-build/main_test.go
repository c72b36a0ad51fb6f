package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestMain lets the test binary act as qm-build itself when QM_BUILD_AS_MAIN=1,
// so that tests can run the real CLI in a subprocess (signals, exit codes,
// argv[0] dispatch) without building it separately.
func TestMain(m *testing.M) {
	if os.Getenv("QM_BUILD_AS_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
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
		stdin:  strings.NewReader(""),
		stdout: &out,
		stderr: &errb,
		getenv: func(k string) string { return envm[k] },
	}
	code := run(context.Background(), e, args)
	return cliResult{stdout: out.String(), stderr: errb.String(), code: code}
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
