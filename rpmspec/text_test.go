package rpmspec_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec"
)

// TestCheckLine: the one text rule, value by value.
func TestCheckLine(t *testing.T) {
	for _, tc := range []struct {
		v       string
		line    string // CheckLine's error, "" for none
		blockOK bool   // CheckBlock accepts it
	}{
		{"quay.io/qm-images/kvm:latest", "", true},
		{"Europe/Berlin", "", true},
		{"Grüße, 日本", "", true},
		{"", "", true},
		{"kvm=a\nPodmanArgs=--privileged", `"kvm=a\nPodmanArgs=--privileged" has a line break (U+000A); a value must be one line of printable text`, true},
		{"a\rb", `"a\rb" has a line break (U+000D); a value must be one line of printable text`, false},
		{"a\tb", `"a\tb" has a control character (U+0009); a value must be one line of printable text`, true},
		{"a\x00b", `"a\x00b" has a control character (U+0000); a value must be one line of printable text`, false},
		{"a\x1bb", `"a\x1bb" has a control character (U+001B); a value must be one line of printable text`, false},
		{"a\x7fb", `"a\x7fb" has a control character (U+007F); a value must be one line of printable text`, false},
		{"a\u0085b", `"a\u0085b" has a control character (U+0085); a value must be one line of printable text`, false},
		{"a\u2028b", `"a\u2028b" has a line break (U+2028); a value must be one line of printable text`, false},
		{"a\xffb", `"a\xffb" is not valid UTF-8`, false},
		{strings.Repeat("a", rpmspec.MaxLine), "", true},
		{strings.Repeat("a", rpmspec.MaxLine+1), `"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"… is 4097 bytes long; the limit is 4096`, true},
	} {
		t.Run(tc.v[:min(len(tc.v), 20)], func(t *testing.T) {
			err := rpmspec.CheckLine(tc.v)
			if tc.line == "" {
				require.NoError(t, err)
			} else {
				require.EqualError(t, err, tc.line)
			}
			require.Equal(t, tc.blockOK, rpmspec.CheckBlock(tc.v) == nil)
		})
	}
}

// TestDropinValuesOneLine: a line break or a control character in a
// drop-in's one-line value (17.5: a device with a newline panicked the
// unit-file writer) is refused at input, naming the file, line and field;
// the text blocks take line breaks.
func TestDropinValuesOneLine(t *testing.T) {
	head := "name: x\nsummary: s\ndescription: |\n  two\n  lines\n"
	for _, tc := range []struct{ name, yaml, want string }{
		{"device newline", head + "devices:\n  qm: [\"/dev/a\\nb\"]\n",
			`x.yaml:7: devices.qm[0]: "/dev/a\nb" has a line break (U+000A); a value must be one line of printable text`},
		{"nested device escape", head + "devices:\n  nested: [\"/dev/a\\eb\"]\n",
			`x.yaml:7: devices.nested[0]: "/dev/a\x1bb" has a control character (U+001B); a value must be one line of printable text`},
		{"file path", head + "files:\n  - path: \"/etc/qm/a\\nb\"\n    mode: \"0644\"\n    content: x\n",
			`x.yaml:7: files[0].path: "/etc/qm/a\nb" has a line break (U+000A); a value must be one line of printable text`},
		{"symlink target", head + "files:\n  - path: /etc/qm/a\n    mode: \"0777\"\n    symlink: \"/x\\ny\"\n",
			`x.yaml:9: files[0].symlink: "/x\ny" has a line break (U+000A); a value must be one line of printable text`},
		{"needs", head + "needs: [\"a\\nb\"]\n",
			`x.yaml:6: needs[0]: "a\nb" has a line break (U+000A); a value must be one line of printable text`},
		{"content with a NUL", head + "files:\n  - path: /etc/qm/a\n    mode: \"0644\"\n    content: \"a\\0b\"\n",
			`x.yaml:9: files[0].content: "a\x00b" has a control character (U+0000); only printable text, line breaks and tabs are allowed`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := rpmspec.ParseDropin([]byte(tc.yaml), "x.yaml")
			requireBadInput(t, err, tc.want)
		})
	}
	d, err := rpmspec.ParseDropin([]byte(head+"files:\n  - path: /etc/qm/a\n    mode: \"0644\"\n    content: \"a\\n\\tb\\n\"\n"), "x.yaml")
	require.NoError(t, err, "a text block takes line breaks and tabs")
	require.Equal(t, "two\nlines", d.Description)
}

// FuzzCheckLine: a value CheckLine accepts is valid UTF-8 without a
// control character, so that it stays one line wherever it is written.
func FuzzCheckLine(f *testing.F) {
	for _, s := range []string{"", "a", "a\nb", "\u2028", "\xff", "kvm=quay.io/a:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if rpmspec.CheckLine(s) != nil {
			return
		}
		require.True(t, utf8.ValidString(s))
		require.LessOrEqual(t, len(s), rpmspec.MaxLine)
		require.False(t, strings.ContainsFunc(s, rpmspec.IsControl), "%q", s)
	})
}
