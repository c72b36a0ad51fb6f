package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/cmd/internal/cli"
	"github.com/qm-build/qm-build/stages/publish/ociref"
	"github.com/qm-build/qm-build/stages/publish/publishtest/testrpm"
)

func request(t *testing.T, req ociref.Request) string {
	t.Helper()
	data, err := json.Marshal(req)
	require.NoError(t, err)
	return string(data)
}

// TestRun: what qm-build-publish refuses, with the status and the one
// "qm-build publish: " line qm-build turns back into its own error. The
// pushes themselves are tested through qm-build (cmd/qm-build
// TestPublishOCI) and in stages/publish/oci.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	rpm := testrpm.Write(t, dir, testrpm.Spec{Name: "alpha"})[0]
	notRPM := filepath.Join(dir, "notes.rpm")
	require.NoError(t, os.WriteFile(notRPM, []byte("notes"), 0o644))
	for _, tc := range []struct {
		name  string
		args  []string
		stdin string
		code  int
		want  string
	}{
		{"no arguments", nil, "", cli.ExitBadInput, "qm-build publish: give `request`"},
		{"an unknown argument", []string{"push"}, "", cli.ExitBadInput, "qm-build publish: give `request`"},
		{"not JSON", []string{"request"}, "{", cli.ExitFailure, "qm-build publish: reading the publish request: "},
		{"an unknown field", []string{"request"}, `{"ref": "r.example/a:1", "arch": "x"}`, cli.ExitFailure, `unknown field "arch"`},
		{"a bad reference", []string{"request"}, request(t, ociref.Request{Ref: "Bad Ref", Paths: []string{rpm}}), cli.ExitBadInput, `qm-build publish: --oci: "Bad Ref": could not parse reference: Bad Ref`},
		{"a missing RPM", []string{"request"}, request(t, ociref.Request{Ref: "127.0.0.1:1/a:1", Paths: []string{dir + "/missing.rpm"}}), cli.ExitBadInput, "missing.rpm"},
		{"a file that is not an RPM", []string{"request"}, request(t, ociref.Request{Ref: "127.0.0.1:1/a:1", Paths: []string{rpm, notRPM}}), cli.ExitBadInput, "notes.rpm"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), strings.NewReader(tc.stdin), &stdout, &stderr, tc.args)
			require.Equal(t, tc.code, code, stderr.String())
			require.Contains(t, stderr.String(), tc.want)
			require.True(t, strings.HasPrefix(stderr.String(), "qm-build publish: ") && strings.HasSuffix(stderr.String(), "\n"), stderr.String())
			require.Empty(t, stdout.String())
		})
	}
	var stdout bytes.Buffer
	require.Equal(t, cli.ExitOK, run(context.Background(), nil, &stdout, &stdout, []string{"--version"}))
	require.Equal(t, "qm-build-publish 0.0.0-dev (commit unknown)\n", stdout.String())
}
