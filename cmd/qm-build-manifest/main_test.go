package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/cmd/internal/cli"
)

// runManifest runs qm-build-manifest in-process with stdin and the given
// environment.
func runManifest(t *testing.T, stdin string, vars map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}
	code = run(context.Background(), e, args)
	return out.String(), errb.String(), code
}

func TestManifestProgram(t *testing.T) {
	for _, tc := range []struct {
		name   string
		stdin  string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"version", "", []string{"--version"}, cli.ExitOK, "qm-build-manifest 0.0.0-dev (commit unknown)\n", ""},
		{"help", "", []string{"--help"}, cli.ExitOK, "qm-build manifest --distro", ""},
		{"a bad flag is bad input", "", []string{"--distro", "rhel-8", "--packages-lock", "x"}, cli.ExitBadInput, "", `qm-build manifest: --distro: unknown distribution "rhel-8"`},
		{"a request that is not JSON", "{", []string{"request"}, cli.ExitFailure, "", "qm-build manifest: reading the manifest request: unexpected EOF"},
		{"a request with an unknown field", `{"nope": 1}`, []string{"request"}, cli.ExitFailure, "", `unknown field "nope"`},
		{"a request with arguments", "", []string{"request", "x"}, cli.ExitBadInput, "", `request: unexpected argument "x"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := runManifest(t, tc.stdin, nil, tc.args...)
			require.Equal(t, tc.code, code, stderr)
			require.Contains(t, stdout, tc.stdout)
			require.Contains(t, stderr, tc.stderr)
		})
	}
}
