package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/stages/publish/mirror"
)

// leafCommands are every command line that has a flag set of its own.
func leafCommands() [][]string {
	var out [][]string
	for _, c := range commands {
		out = append(out, []string{c.name})
		for _, s := range c.subcommands {
			out = append(out, []string{c.name, s})
		}
	}
	return out
}

// TestEveryCommandHasCommonFlags: -q/--quiet and -v/--verbose on every
// command and subcommand, listed apart from the command's own flags.
func TestEveryCommandHasCommonFlags(t *testing.T) {
	path := pathEnv(t)
	for _, c := range leafCommands() {
		t.Run(strings.Join(c, " "), func(t *testing.T) {
			r := runCLI(t, path, append(c, "--help")...)
			require.Equal(t, exitOK, r.code, r.stderr)
			_, common, ok := strings.Cut(r.stdout, "\nCommon flags:\n")
			require.True(t, ok, r.stdout)
			require.Contains(t, common, "-q, --quiet")
			require.Contains(t, common, "-v, --verbose")
			// -o is --out wherever a command writes to a path of the user's.
			own, _, _ := strings.Cut(r.stdout, "\nCommon flags:\n")
			if _, flags, ok := strings.Cut(own, "\nFlags:\n"); ok && strings.Contains(flags, "--out ") {
				require.Contains(t, flags, "-o, --out")
			}
			for _, old := range []string{"--qm-version", "--release "} {
				require.NotContains(t, r.stdout, old, "deprecated spellings are hidden")
			}
		})
	}
}

// TestDeprecatedSpellings: the old flag names still work, give the same
// result as the new ones, and print one deprecation line.
func TestDeprecatedSpellings(t *testing.T) {
	for _, tc := range []struct {
		name     string
		old, now []string
		line     string
	}{
		{"--qm-version", []string{"spec", "--qm-version", "2.5"}, []string{"spec", "--pkg-version", "2.5"},
			"Flag --qm-version has been deprecated, use --pkg-version instead\n"},
		{"rpm --release", []string{"spec", "--release", "7"}, []string{"spec", "--pkg-release", "7"},
			"Flag --release has been deprecated, use --pkg-release instead\n"},
		{"blueprint --qm-version", []string{"blueprint", "--qm-version", "2.5"}, []string{"blueprint", "--pkg-version", "2.5"},
			"Flag --qm-version has been deprecated, use --pkg-version instead\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := runCLI(t, []string{rpmTestEpoch}, tc.now...)
			require.Equal(t, exitOK, now.code, now.stderr)
			old := runCLI(t, []string{rpmTestEpoch}, tc.old...)
			require.Equal(t, exitOK, old.code, old.stderr)
			require.Equal(t, now.stdout, old.stdout)
			require.Equal(t, now.stderr+tc.line, old.stderr)
		})
	}
}

// TestPublishReleasever: publish's distribution release is --releasever
// (dnf's word); --release still works, with a deprecation line.
func TestPublishReleasever(t *testing.T) {
	rpms := t.TempDir()
	r := runCLI(t, []string{rpmTestEpoch}, "rpm", "-q", "-o", rpms)
	require.Equal(t, exitOK, r.code, r.stderr)
	for _, tc := range []struct {
		flag, line string
	}{
		{"--releasever", ""},
		{"--release", "Flag --release has been deprecated, use --releasever instead\n"},
	} {
		t.Run(tc.flag, func(t *testing.T) {
			root := t.TempDir()
			r := runCLI(t, []string{rpmTestEpoch}, "publish", "--mirror", root, tc.flag, "9-stream", "--arch", "x86_64", rpms)
			require.Equal(t, exitOK, r.code, r.stderr)
			require.True(t, strings.HasPrefix(r.stderr, tc.line), r.stderr)
			_, err := os.Stat(filepath.Join(root, mirror.RepoDir("9-stream", "x86_64"), "repodata", "repomd.xml"))
			require.NoError(t, err)
		})
	}
}

// TestQuietAndVerbose: --quiet drops notes, --verbose adds the steps and
// the time taken; both together are bad input.
func TestQuietAndVerbose(t *testing.T) {
	args := []string{"bluechi", "--controller-socket"}
	plain := runCLI(t, nil, args...)
	require.Equal(t, exitOK, plain.code, plain.stderr)
	require.Contains(t, plain.stderr, "note: ", "the case needs a command that prints a note")

	quiet := runCLI(t, nil, append(args, "-q")...)
	require.Equal(t, exitOK, quiet.code, quiet.stderr)
	require.Equal(t, plain.stdout, quiet.stdout)
	require.Empty(t, quiet.stderr)

	verbose := runCLI(t, nil, append(args, "--verbose")...)
	require.Equal(t, exitOK, verbose.code, verbose.stderr)
	require.Equal(t, plain.stdout, verbose.stdout)
	require.True(t, strings.HasPrefix(verbose.stderr, plain.stderr), verbose.stderr)
	require.Regexp(t, `qm-build bluechi: done in [0-9.]+s\n$`, verbose.stderr)

	out := t.TempDir()
	steps := runCLI(t, []string{rpmTestEpoch}, "rpm", "-v", "-o", out)
	require.Equal(t, exitOK, steps.code, steps.stderr)
	require.Regexp(t, `(?m)^\[ *[0-9.]+s\] wrote qm-`, steps.stderr, "a step per package, though stderr is no terminal")

	both := runCLI(t, nil, append(args, "-q", "-v")...)
	require.Equal(t, exitBadInput, both.code)
	require.Contains(t, both.stderr, "--quiet and --verbose exclude each other")
	require.Empty(t, both.stdout)
}

// TestQuietKeepsErrors: --quiet never hides why a command failed.
func TestQuietKeepsErrors(t *testing.T) {
	r := runCLI(t, nil, "rpm", "-q", "--pkg-version", "1-2")
	require.Equal(t, exitBadInput, r.code)
	require.Contains(t, r.stderr, "--pkg-version")
}
