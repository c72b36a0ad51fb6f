// Package golden compares test output with golden files in a package's
// testdata/, and rewrites them when the tests run with -update
// (`go test ./PKG -update`). It owns the -update flag, so that every test
// binary registers it once.
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files and the fixtures derived from them instead of comparing")

// Update reports whether the tests run with -update.
func Update() bool { return *update }

// Check compares got with the file at path, or, with -update, rewrites the
// file (making its directory) first.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "%s is missing: run the test with -update to create it", path)
	require.Equal(t, string(want), string(got), "%s differs: check the change, then run the test with -update", path)
}
