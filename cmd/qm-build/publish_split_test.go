package main

import (
	"bytes"
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/stages/publish/publishtest/testrpm"
)

// TestPublishOCIWithoutItsProgram: without qm-build-publish, `publish --oci`
// says which program it needs and where it looked, after every check
// qm-build makes itself (a bad reference is still bad input).
func TestPublishOCIWithoutItsProgram(t *testing.T) {
	dir := t.TempDir()
	testrpm.Write(t, dir, testrpm.Spec{Name: "alpha"})
	path := []string{"PATH=" + t.TempDir(), sde}
	r := runCLI(t, path, "publish", "--oci", "127.0.0.1:1/qm/rpms:1", dir)
	require.Equal(t, exitFailure, r.code, r.stderr)
	require.Equal(t, "qm-build publish: qm-build-publish is not installed: `qm-build publish --oci` runs it, from beside qm-build or from PATH (`make build` puts it in bin/)\n", r.stderr)
	require.Empty(t, r.stdout)
	r = runCLI(t, path, "publish", "--oci", "localhost:0/x:1", dir)
	require.Equal(t, exitBadInput, r.code, r.stderr)
	require.Contains(t, r.stderr, `--oci: "localhost:0/x:1": registry port "0" is not a TCP port`)
}

// TestRelayedError: qm-build-publish's error line becomes qm-build's own
// error with its status; anything else is passed on as it is.
func TestRelayedError(t *testing.T) {
	for _, tc := range []struct {
		name, stderr string
		code         int
		wantErr      string
		wantCode     int
		wantPassed   string
	}{
		{"bad input", "qm-build publish: --oci: \"x\": no\n", 2, `--oci: "x": no`, exitBadInput, ""},
		{"a failure of several lines", "qm-build publish: a\nb\n", 1, "a\nb", exitFailure, ""},
		{"a crash", "qm-build-publish: internal error, please report: x\n", 1, "exit status 1", exitFailure, "qm-build-publish: internal error, please report: x\n"},
		{"another status", "qm-build publish: interrupted\n", 130, "exit status 130", 130, "qm-build publish: interrupted\n"},
		{"no newline", "qm-build publish: cut", 1, "exit status 1", exitFailure, "qm-build publish: cut"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var w bytes.Buffer
			err := relayedError(tc.stderr, tc.code, &w)
			require.EqualError(t, err, tc.wantErr)
			require.Equal(t, tc.wantPassed, w.String())
			if es, ok := err.(*exitStatus); ok {
				require.Equal(t, tc.wantCode, es.code)
			} else {
				require.Equal(t, tc.wantCode, exitCode(err))
			}
		})
	}
}

// TestPublishProgramPanic: a panic in qm-build-publish is one line and
// status 1, as in the other programs (TestPanicIsInternalError), and
// qm-build passes it on as it is.
func TestPublishProgramPanic(t *testing.T) {
	cmd := exec.Command(binary(t, "./cmd/qm-build-publish", "qmbuild_testhooks"), "--help")
	cmd.Env = append(os.Environ(), "QM_BUILD_TEST_PANIC=boom")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "%s", out)
	require.Equal(t, 1, ee.ExitCode(), "%s", out)
	require.Equal(t, "qm-build-publish: internal error, please report: test panic: boom\n", string(out))
}
