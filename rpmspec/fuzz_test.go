package rpmspec_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec"
)

// FuzzParseDropin: seeded with the catalog and every drop-in in testdata,
// good and bad. Whatever the input, ParseDropin must not panic, must reject
// it as bad input naming the file, or return a drop-in that keeps the
// format's promises (a name, allowed absolute paths, octal modes).
func FuzzParseDropin(f *testing.F) {
	for _, pattern := range []string{"catalog/*.yaml", "testdata/dropins/*/*.yaml", "testdata/userdropins/*.yaml"} {
		files, err := filepath.Glob(pattern)
		require.NoError(f, err)
		require.NotEmpty(f, files, pattern)
		for _, name := range files {
			data, err := os.ReadFile(name)
			require.NoError(f, err)
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := rpmspec.ParseDropin(data, "fuzz.yaml")
		if err != nil {
			require.ErrorIs(t, err, rpmspec.ErrInvalid)
			for _, line := range strings.Split(err.Error(), "\n") {
				require.True(t, strings.HasPrefix(line, "fuzz.yaml"), "error without the file name: %q", line)
			}
			return
		}
		require.NotEmpty(t, d.Name)
		require.NotEmpty(t, d.Summary)
		for _, df := range d.Files {
			require.NoError(t, rpmspec.CheckPath(df.Path))
			require.True(t, rpmspec.AllowedDropinPath(df.Path), df.Path)
			require.Zero(t, df.Mode.Type(), "mode with type bits")
		}
		for _, dev := range append(append([]string(nil), d.Devices.QM...), d.Devices.Nested...) {
			require.True(t, strings.HasPrefix(dev, "/dev/"), dev)
		}
	})
}
