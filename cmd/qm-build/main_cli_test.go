package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTopLevel(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"no args prints usage, exit 2", nil, exitBadInput, "Commands:"},
		{"--help", []string{"--help"}, exitOK, "Commands:"},
		{"--version", []string{"--version"}, exitOK, "qm-build " + toolVersion},
		{"unknown command", []string{"frobnicate"}, exitBadInput, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, nil, tc.args...)
			require.Equal(t, tc.code, r.code, r.stderr)
			require.Contains(t, r.stdout, tc.out)
		})
	}
}

func TestEveryCommandHasHelp(t *testing.T) {
	path := pathEnv(t) // `manifest --help` is qm-build-manifest's
	for _, c := range commands {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, path, c.name, "--help")
			require.Equal(t, exitOK, r.code, r.stderr)
			require.Equal(t, 1, strings.Count(r.stdout, "Usage:"), "usage printed once:\n%s", r.stdout)
		})
	}
}

// TestManifestWithoutItsProgram: `qm-build manifest` says which program it
// needs and where it looks, when neither beside qm-build nor on PATH.
func TestManifestWithoutItsProgram(t *testing.T) {
	r := runCLI(t, []string{"PATH=" + t.TempDir()}, "manifest", "--distro", "cs9")
	require.Equal(t, exitFailure, r.code, r.stderr)
	require.Contains(t, r.stderr, "qm-build-manifest is not installed")
	require.Empty(t, r.stdout)
	help := runCLI(t, nil, "--help")
	require.Contains(t, help.stdout, "runs qm-build-manifest")
	require.Contains(t, help.stdout, "beside this executable, then on PATH")
}

func TestSourceDateEpochMustBeAnInteger(t *testing.T) {
	e := &env{getenv: func(string) string { return "yesterday" }}
	_, err := e.sourceDateEpoch()
	require.Error(t, err)
	require.Equal(t, exitBadInput, exitCode(err))
}

func TestCacheDir(t *testing.T) {
	for _, tc := range []struct {
		name string
		vars map[string]string
		want string
	}{
		{"explicit", map[string]string{"QM_BUILD_CACHE": "/c", "HOME": "/h"}, "/c"},
		{"off", map[string]string{"QM_BUILD_CACHE": "off", "HOME": "/h"}, ""},
		{"XDG", map[string]string{"XDG_CACHE_HOME": "/x", "HOME": "/h"}, "/x/qm-build"},
		{"HOME", map[string]string{"HOME": "/h"}, "/h/.cache/qm-build"},
		{"nothing", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := &env{getenv: func(k string) string { return tc.vars[k] }}
			require.Equal(t, tc.want, e.cacheDir())
		})
	}
}
