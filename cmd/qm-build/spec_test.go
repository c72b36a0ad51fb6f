package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/test/composed"
)

func TestSpecCommand(t *testing.T) {
	res := runCLI(t, nil, "spec", "--dropin", "text2speech")
	require.Equal(t, exitOK, res.code, res.stderr)
	// The same packages as `qm-build rpm` composes, rendered by the library.
	var want bytes.Buffer
	require.NoError(t, rpmspec.Spec(&want, composed.Compose(t, []string{"text2speech"})))
	require.Equal(t, want.String(), res.stdout)
	require.Contains(t, res.stdout, "\n%package -n qm-sound\n", "the needs closure is in the spec")

	out := filepath.Join(t.TempDir(), "qm.spec")
	res2 := runCLI(t, nil, "spec", "--dropin", "text2speech", "--out", out)
	require.Equal(t, exitOK, res2.code, res2.stderr)
	require.Empty(t, res2.stdout)
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	require.Equal(t, res.stdout, string(got))

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown drop-in", []string{"--dropin", "nosuch"}, `unknown drop-in "nosuch"; known drop-ins:`},
		{"empty version", []string{"--pkg-version", ""}, `--pkg-version: "" must not be empty`},
		{"version with whitespace", []string{"--pkg-version", "1 0"}, `--pkg-version: "1 0" must not contain whitespace`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := runCLI(t, nil, append([]string{"spec"}, tc.args...)...)
			require.Equal(t, exitBadInput, res.code, res.stderr)
			require.Contains(t, res.stderr, tc.want)
			require.Empty(t, res.stdout)
		})
	}
}
