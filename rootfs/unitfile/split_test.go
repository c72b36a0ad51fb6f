package unitfile

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSplitWords(t *testing.T) {
	const exec = SplitUnquote | SplitCUnescape
	for _, tc := range []struct {
		in    string
		flags SplitFlags
		want  []string
		err   error
	}{
		{`a b  c`, exec, []string{"a", "b", "c"}, nil},
		{`"a b" 'c d'e`, exec, []string{"a b", "c de"}, nil},
		{`a\tb \x41\101\u00e9\s`, exec, []string{"a\tb", "AAé "}, nil},
		{`""`, exec, []string{""}, nil},
		{`a "" b`, exec | SplitStopAtEmpty, []string{"a"}, nil},
		{`"unbalanced`, exec, nil, ErrUnbalancedQuotes},
		{`"unbalanced`, exec | SplitRelax, []string{"unbalanced"}, nil},
		{`bad\q`, exec, nil, ErrUnknownEscape},
		{`trailing\`, exec, nil, ErrUnbalancedEscape},
		{`trailing\`, exec | SplitRelax, []string{"trailing"}, nil},
		{`a\ b`, SplitRetainEscape | SplitUnquote, []string{`a\`, "b"}, nil},
		{`\x00`, exec, nil, ErrUnknownEscape},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := SplitWords(tc.in, tc.flags)
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestQuoteWordsReadsBack(t *testing.T) {
	words := []string{"/usr/bin/podman", "a b", `q"uote`, `back\slash`, "tab\there", "new\nline", "", "$VAR", "%t"}
	got, err := SplitWords(QuoteWords(words), SplitUnquote|SplitCUnescape)
	require.NoError(t, err)
	require.Equal(t, words, got)
}

func TestParseQuadletDialect(t *testing.T) {
	in := "  [Container]  \nPodmanArgs=--a \\\n  # comment\n    --b\\\n--c\nKey = \" v \"  \n\n[Service]\nExecStart=x \\\n"
	f, err := ParseQuadlet([]byte(in), "x.container")
	require.NoError(t, err)
	e, ok := f.LookupEntry("Container", "PodmanArgs")
	require.True(t, ok)
	require.Equal(t, "--a --b--c", e.Value, "lines trimmed and joined without a space")
	require.Equal(t, 2, e.Line)
	v, _ := f.Lookup("Container", "Key")
	require.Equal(t, `" v "`, v)
	v, _ = f.Lookup("Service", "ExecStart")
	require.Equal(t, "x ", v, "the last line never continues")
	require.Equal(t, in, f.String(), "Write reproduces the input")

	for _, bad := range []string{"\uFEFF[Container]\nA=b\n", "A=b\n", "[Container\nA=b\n", "[Container]\n=b\n", "[Container]\njunk\n"} {
		_, err := ParseQuadlet([]byte(bad), "bad")
		require.Error(t, err, "%q", bad)
	}
}

func TestParseLenientSkipsWhatSystemdSkips(t *testing.T) {
	f, skipped, err := ParseLenient([]byte("stray=1\n[Service]\njunk\nOOMScoreAdjust=500\n"), "x.conf")
	require.NoError(t, err)
	require.Len(t, skipped, 2)
	v, _ := f.Lookup("Service", "OOMScoreAdjust")
	require.Equal(t, "500", v)
	_, _, err = ParseLenient([]byte("[Service\nA=1\n"), "x.conf")
	require.Error(t, err, "a malformed section header fails the file")
}

func unitSeeds(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "*"))
	require.NoError(f, err)
	for _, s := range seeds {
		if fi, err := os.Stat(s); err != nil || fi.IsDir() {
			continue
		}
		data, err := os.ReadFile(s)
		require.NoError(f, err)
		f.Add(data)
	}
}

// FuzzParseQuadlet: whatever parses writes back byte for byte and every
// entry has a line.
func FuzzParseQuadlet(f *testing.F) {
	unitSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		u, err := ParseQuadlet(data, "fuzz")
		if err != nil {
			return
		}
		if !bytes.Equal(u.Bytes(), data) {
			t.Fatalf("round trip differs")
		}
		for _, e := range u.Entries() {
			if e.Line <= 0 || strings.ContainsAny(e.Key, "\n=") {
				t.Fatalf("bad entry %+v", e)
			}
		}
	})
}

// FuzzSplitWords: a split reads back through QuoteWords.
func FuzzSplitWords(f *testing.F) {
	unitSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		words, err := SplitWords(string(data), SplitUnquote|SplitCUnescape|SplitRelax)
		if err != nil || bytes.IndexByte(data, 0) >= 0 {
			return // no command line holds a NUL byte
		}
		again, err := SplitWords(QuoteWords(words), SplitUnquote|SplitCUnescape)
		if err != nil {
			t.Fatalf("quoted words do not split: %v", err)
		}
		if len(again) != len(words) {
			t.Fatalf("%q: %d words, %d after quoting", data, len(words), len(again))
		}
	})
}
