package blueprints

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec"
)

// FuzzParseBlueprint: whatever parses is written back by EncodeTOML and
// parses again to the same blueprint; what does not parse is bad input.
func FuzzParseBlueprint(f *testing.F) {
	seeds, err := filepath.Glob("*.toml")
	require.NoError(f, err)
	more, err := filepath.Glob("testdata/*.toml")
	require.NoError(f, err)
	for _, s := range append(seeds, more...) {
		data, err := os.ReadFile(s)
		require.NoError(f, err)
		for _, chunk := range tomlChunks(data) {
			f.Add(chunk)
		}
	}
	f.Add([]byte(userBlueprint))
	f.Fuzz(func(t *testing.T, data []byte) {
		bp, err := ParseBlueprint(bytes.NewReader(data), "fuzz.toml")
		if err != nil {
			require.True(t, rpmspec.IsBadInput(err), "%v", err)
			return
		}
		var out bytes.Buffer
		require.NoError(t, EncodeTOML(&out, bp, "fuzz"))
		again, err := ParseBlueprint(bytes.NewReader(out.Bytes()), "again.toml")
		require.NoError(t, err, out.String())
		require.Equal(t, bp.Name, again.Name)
		require.Equal(t, bp.Packages, again.Packages)
		require.Equal(t, bp.Customizations.GetFiles(), again.Customizations.GetFiles())
		require.Equal(t, bp.Customizations.GetServices(), again.Customizations.GetServices())
		// Merging a blueprint into itself changes nothing but never fails
		// on a conflict.
		if ValidateFragment(bp, "fuzz.toml") == nil {
			merged, err := Merge(Named{"a.toml", bp}, Named{"b.toml", bp})
			if err == nil {
				require.Equal(t, len(bp.Packages), len(merged.Packages))
			}
		}
	})
}

// tomlChunks splits a blueprint into one small blueprint per table, so that
// the fuzzer mutates short inputs: BurntSushi's decoder runs thousands of
// times slower under -fuzz instrumentation on a whole multi-kilobyte file.
func tomlChunks(data []byte) [][]byte {
	var out [][]byte
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, []byte("name = \"seed\"\n"+cur.String()))
			cur.Reset()
		}
	}
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if strings.HasPrefix(line, "[") {
			flush()
		}
		if strings.HasPrefix(line, "name = ") && cur.Len() == 0 {
			continue
		}
		cur.WriteString(line)
	}
	flush()
	return out
}
