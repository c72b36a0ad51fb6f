package selinux

import (
	"errors"
	"io/fs"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec"
)

func parse(t *testing.T, text string) *FileContexts {
	t.Helper()
	fc, err := ParseFileContexts(strings.NewReader(text), "test.fc")
	require.NoError(t, err)
	return fc
}

func TestParseFileContextsErrors(t *testing.T) {
	for _, tc := range []struct {
		name, text, want string
	}{
		{"bad regex", "/a(b\tu:r:t:s0\n", "test.fc:1: bad regex \"/a(b\""},
		{"unbalanced class", "\n/a[b\tu:r:t:s0\n", "test.fc:2: bad regex"},
		{"unknown file type", "/a\t-x\tu:r:t:s0\n", "test.fc:1: unknown file type \"-x\""},
		{"file type word", "/a\tdir\tu:r:t:s0\n", "unknown file type \"dir\""},
		{"malformed context", "/a\tu:r\n", "test.fc:1: malformed context \"u:r\""},
		{"context with space-free junk", "/a\t--\tu:r:t:s0:\n", "malformed context"},
		{"missing fields", "/a\n", "test.fc:1: missing fields"},
		{"extra field", "/a -- u:r:t:s0 extra\n", "unexpected fourth field \"extra\""},
		{"non-ASCII", "/é\tu:r:t:s0\n", "non-ASCII"},
		{"back-reference", "/(a)\\1\tu:r:t:s0\n", "back-reference"},
		{"look-ahead", "/a(?=b)\tu:r:t:s0\n", "not supported"},
		{"duplicate", "/a\tu:r:t:s0\n/a\tu:r:u:s0\n", "test.fc:2: different specification for /a as test.fc:1"},
		{"duplicate any vs typed", "/a\t--\tu:r:t:s0\n/a\tu:r:t:s0\n", "test.fc:2: same specification"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseFileContexts(strings.NewReader(tc.text), "test.fc")
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.want)
			var bi interface{ BadInput() bool }
			require.True(t, errors.As(err, &bi) && bi.BadInput(), "bad input")
		})
	}
	t.Run("every problem at once", func(t *testing.T) {
		_, err := ParseFileContexts(strings.NewReader("/a(\tu:r:t:s0\n/b\t-q\tu:r:t:s0\n/c\tbad\n"), "x.fc")
		require.Error(t, err)
		es := rpmspec.AsErrors(err)
		require.Len(t, es, 3)
		require.Equal(t, []int{1, 2, 3}, []int{es[0].Line, es[1].Line, es[2].Line})
	})
}

func TestParseFileContextsAccepts(t *testing.T) {
	fc := parse(t, "# comment\n\n   \t\n  # indented comment\n/a\t<<none>>\n/b(/.*)?\t-d\tsystem_u:object_r:b_t:s0-s0:c0.c1023\n/c -- u:r:t # trailing comment\n/d\t--\tu:r:t:s0:c1,c5.c9\n")
	require.Len(t, fc.Specs, 4)
	require.Equal(t, Spec{File: "test.fc", Line: 6, Regex: "/b(/.*)?", FileType: Directory, Context: "system_u:object_r:b_t:s0-s0:c0.c1023"},
		Spec{File: fc.Specs[1].File, Line: fc.Specs[1].Line, Regex: fc.Specs[1].Regex, FileType: fc.Specs[1].FileType, Context: fc.Specs[1].Context})
	require.Equal(t, "u:r:t", fc.Specs[2].Context)
}

// TestLookup encodes libselinux 3.4's label_file.c behaviour, case by case.
func TestLookup(t *testing.T) {
	const fcText = `/.*			u:r:default_t:s0
/usr(/.*)?		u:r:usr_t:s0
/usr/bin(/.*)?		u:r:bin_t:s0
/usr/bin/exact		u:r:exact_t:s0
/usr/bin/e.act		u:r:dot_t:s0
/usr/lib/later(/.*)?	--	u:r:early_t:s0
/usr/lib/later(/.*)?	-d	u:r:late_dir_t:s0
/usr/lib/x		--	u:r:regular_t:s0
/usr/lib/x		-l	u:r:link_t:s0
/srv(/.*)?		u:r:srv_t:s0
/srv/none(/.*)?		<<none>>
/opt/a|/b/c		u:r:alt_t:s0
/usr/share/alt/a|/b	u:r:stemalt_t:s0
/esc\.d(/.*)?		u:r:esc_t:s0
/nl			u:r:nl_t:s0
`
	fc := parse(t, fcText)
	for _, tc := range []struct {
		name, path string
		mode       fs.FileMode
		want       string // "" means no context
	}{
		{"regex matches", "/usr/lib/foo", 0, "u:r:usr_t:s0"},
		{"later regex wins", "/usr/bin/ls", 0, "u:r:bin_t:s0"},
		{"exact path beats a later regex", "/usr/bin/exact", 0, "u:r:exact_t:s0"},
		{"dot is a metachar, so a later regex", "/usr/bin/eXact", 0, "u:r:dot_t:s0"},
		{"anchored at the end", "/usr/bin/exactly", 0, "u:r:bin_t:s0"},
		{"typed line applies to its type", "/usr/lib/later/d", fs.ModeDir, "u:r:late_dir_t:s0"},
		{"typed line skipped for other types", "/usr/lib/later/f", 0, "u:r:early_t:s0"},
		{"unknown type matches typed lines", "/usr/lib/later/f", AnyType, "u:r:late_dir_t:s0"},
		{"no typed line for a socket", "/usr/lib/later/s", fs.ModeSocket, "u:r:usr_t:s0"},
		{"regular file", "/usr/lib/x", 0, "u:r:regular_t:s0"},
		{"symlink", "/usr/lib/x", fs.ModeSymlink, "u:r:link_t:s0"},
		{"directory falls through", "/usr/lib/x", fs.ModeDir, "u:r:usr_t:s0"},
		{"none", "/srv/none/x", 0, ""},
		{"none's parent", "/srv", 0, "u:r:srv_t:s0"},
		{"duplicate slashes collapse", "//usr///bin//ls", 0, "u:r:bin_t:s0"},
		{"root", "/", fs.ModeDir, "u:r:default_t:s0"},
		// No stem ("/opt/a|" has a metachar before the second slash? no: the
		// stem is "/opt"), so "^/a|/b/c$" is matched against the path after
		// the stem: the right side is unanchored at the start.
		{"alternation after the stem: right side unanchored at the start", "/opt/x/b/c", 0, "u:r:alt_t:s0"},
		{"alternation after the stem: left side", "/opt/a", 0, "u:r:alt_t:s0"},
		{"alternation: left side unanchored at the end", "/usr/share/alt/abc", 0, "u:r:stemalt_t:s0"},
		{"escaped dot has no metachar and no stem", "/esc.d/x", 0, "u:r:esc_t:s0"},
		{"dollar allows a final newline", "/nl\n", 0, "u:r:nl_t:s0"},
		{"non-ASCII path bytes", "/usr/bin/\xe9\xff", 0, "u:r:bin_t:s0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := fc.Lookup(tc.path, tc.mode)
			require.Equal(t, tc.want != "", ok)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestLookupSubstitutions(t *testing.T) {
	fc := parse(t, "/home(/.*)?\tu:r:home_t:s0\n/srv(/.*)?\tu:r:srv_t:s0\n")
	dist, err := ParseSubstitutions(strings.NewReader("# dist\n/var/home /home\n"), "subs_dist")
	require.NoError(t, err)
	local, err := ParseSubstitutions(strings.NewReader("/data /var/home\n/web /srv\n"), "subs")
	require.NoError(t, err)
	fc.DistSubs, fc.Subs = dist, local
	for path, want := range map[string]string{
		"/var/home/u":  "u:r:home_t:s0", // dist only
		"/data/u":      "u:r:home_t:s0", // local, then dist
		"/web":         "u:r:srv_t:s0",
		"/webx/y":      "", // a prefix only at a path boundary
		"/var/homeboy": "",
	} {
		got, _ := fc.Lookup(path, 0)
		require.Equal(t, want, got, path)
	}
}

func TestTranslateRegex(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`/a(/.*)?`, `(?s)/a(/.*)?`},
		{`/a$`, `(?s)/a(?:\n?\z)`},
		{`/a[$]`, `(?s)/a[$]`},
		{`/a\$`, `(?s)/a\$`},
		{`/a\s`, `(?s)/a[\t\n\v\f\r ]`},
		{`/a[]x]`, `(?s)/a[]x]`},
		{`/a[[:alpha:]$]`, `(?s)/a[[:alpha:]$]`},
	} {
		got, err := translateRegex(tc.in)
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got, tc.in)
	}
	for _, bad := range []string{`/a\`, `/a[b`, `/a++`, `/(?<=a)b`, `/a\K`} {
		_, err := translateRegex(bad)
		require.Error(t, err, bad)
	}
}

func TestParseConfig(t *testing.T) {
	c := ParseConfig([]byte("# comment\nSELINUX=Permissive\nSELINUXTYPE=\"targeted\"\nSELINUX = enforcing\n"))
	require.Equal(t, Config{Mode: "enforcing", ModeLine: 4, Type: "targeted", TypeLine: 3}, c)
	require.Equal(t, Config{Type: "targeted"}, ParseConfig(nil))
}

func TestSubstitute(t *testing.T) {
	local, err := ParseSubstitutions(strings.NewReader("/var/qm /var\n"), "file_contexts.subs")
	require.NoError(t, err)
	dist, err := ParseSubstitutions(strings.NewReader("/var/run /run\n/var /srv\n"), "file_contexts.subs_dist")
	require.NoError(t, err)
	got, used := Substitute(local, dist, "/var/qm/tmp")
	require.Equal(t, "/srv/tmp", got)
	require.Len(t, used, 2)
	require.Equal(t, 1, used[0].Line)
	require.Equal(t, "file_contexts.subs", used[0].File)
	got, used = Substitute(local, dist, "/etc/qm")
	require.Equal(t, "/etc/qm", got)
	require.Empty(t, used)
}
