package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/require"
)

func TestAlias(t *testing.T) {
	for _, tc := range []struct {
		name       string
		args       []string
		want       string
		deprecated string
	}{
		{"new spelling", []string{"--pkg-version", "2.0"}, "2.0", ""},
		{"old spelling", []string{"--qm-version", "2.0"}, "2.0", "Flag --qm-version has been deprecated, use --pkg-version instead\n"},
		{"old spelling with =", []string{"--qm-version=3"}, "3", "Flag --qm-version has been deprecated, use --pkg-version instead\n"},
		{"neither", nil, "1.0", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			fs := NewFlags(&stdout, "x", "x")
			fs.SetOutput(&stderr)
			v := fs.String("pkg-version", "1.0", "version")
			Alias(fs, "qm-version", "pkg-version")
			require.NoError(t, ParseFlags(fs, tc.args))
			require.Equal(t, tc.want, *v)
			require.Equal(t, tc.deprecated, stderr.String())
		})
	}
}

func TestUsageListsCommonFlagsApart(t *testing.T) {
	var stdout bytes.Buffer
	fs := NewFlags(&stdout, "x", "qm-build x [flags]")
	OutFlag(fs, "./out", "output directory")
	fs.String("old", "", "old")
	Alias(fs, "older", "old")
	var v Verbosity
	v.Register(fs)
	require.ErrorIs(t, ParseFlags(fs, []string{"--help"}), pflag.ErrHelp)
	help := stdout.String()
	flags, common, ok := strings.Cut(help, "\nCommon flags:\n")
	require.True(t, ok, help)
	require.Contains(t, flags, "-o, --out string")
	require.NotContains(t, flags, "--quiet")
	require.NotContains(t, help, "--older", "a deprecated alias is hidden")
	require.Contains(t, common, "-q, --quiet")
	require.Contains(t, common, "-v, --verbose")
}

func TestVerbosity(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []string
		tty      bool
		progress string // what Progress("step %d", 1) wrote, without the time
		notes    bool
		err      string
	}{
		{"default, not a terminal", nil, false, "", true, ""},
		{"default, a terminal", nil, true, "\r\033[Kstep 1", true, ""},
		{"quiet on a terminal", []string{"-q"}, true, "", false, ""},
		{"verbose, not a terminal", []string{"--verbose"}, false, "step 1\n", true, ""},
		{"verbose on a terminal", []string{"-v"}, true, "step 1\n", true, ""},
		{"both", []string{"-q", "-v"}, false, "", false, "--quiet and --verbose exclude each other"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var v Verbosity
			fs := NewFlags(&bytes.Buffer{}, "x", "x")
			v.Register(fs)
			err := ParseFlags(fs, tc.args)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				require.Equal(t, ExitBadInput, ExitCode(err))
				return
			}
			require.NoError(t, err)
			var w bytes.Buffer
			v.Progress(&w, tc.tty, "step %d", 1)
			got := w.String()
			if v.Verbose {
				require.Regexp(t, `^\[ *[0-9.]+s\] `, got)
				got = got[strings.Index(got, "] ")+2:]
			}
			require.Equal(t, tc.progress, got)
			var n bytes.Buffer
			_, _ = v.NotesWriter(&n).Write([]byte("note"))
			require.Equal(t, tc.notes, n.Len() > 0)
			var d bytes.Buffer
			v.Done(&d, "qm-build x")
			require.Equal(t, v.Verbose, strings.HasPrefix(d.String(), "qm-build x: done in "), d.String())
		})
	}
}
