package golden

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// recorder is a testing.TB that records failures instead of stopping.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) FailNow()              { r.failed = true; panic(r) }
func (r *recorder) Helper()               {}

func check(t *testing.T, path string, got []byte) (failed bool) {
	r := &recorder{TB: t}
	defer func() {
		if p := recover(); p != nil && p != r {
			panic(p)
		}
		failed = r.failed
	}()
	Check(r, path, got)
	return r.failed
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.golden")
	require.NoError(t, os.WriteFile(p, []byte("same\n"), 0o644))
	require.False(t, check(t, p, []byte("same\n")), "equal content passes")
	require.True(t, check(t, p, []byte("other\n")), "different content fails")
	require.True(t, check(t, filepath.Join(dir, "missing"), []byte("x")), "a missing file fails")

	*update = true
	defer func() { *update = false }()
	np := filepath.Join(dir, "new", "b.golden")
	require.False(t, check(t, np, []byte("fresh\n")), "-update writes, then passes")
	data, err := os.ReadFile(np)
	require.NoError(t, err)
	require.Equal(t, "fresh\n", string(data))
	require.True(t, Update())
}
