package repodata_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/stages/publish/repodata"
	"github.com/qm-build/qm-build/test/verifiers"
)

// fixedTime is the revision and timestamps of every repository the tests
// write, and the modification time of every RPM they index.
var fixedTime = time.Unix(1710000000, 0).UTC()

// buildRich builds testdata/rich.spec with the real rpmbuild: a package with
// everything createrepo_c treats specially (epoch, pre/post requires, file
// and self-provided requires, libc.so.6 requires, weak dependencies, ghost
// files, changelog entries sharing a date, more entries than the limit,
// markup in text) and returns the RPM's path.
func buildRich(t testing.TB) string {
	t.Helper()
	rpmbuild := verifiers.Need(t, "rpmbuild")
	top := t.TempDir()
	spec, err := filepath.Abs("testdata/rich.spec")
	require.NoError(t, err)
	r := verifiers.Cmd{Env: []string{"HOME=" + verifiers.ScratchHome(t)}}.Run(t, rpmbuild, "-bb", "--define", "_topdir "+top, spec)
	require.Equal(t, 0, r.Code, r.Stderr)
	matches, err := filepath.Glob(filepath.Join(top, "RPMS", "noarch", "*.rpm"))
	require.NoError(t, err)
	require.Len(t, matches, 1)
	return matches[0]
}

// copyInto copies files into dir (sub-directory sub, if set) with the fixed
// modification time, and returns their paths there.
func copyInto(t testing.TB, dir, sub string, files ...string) []string {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, sub), 0o755))
	var out []string
	for _, f := range files {
		dst := filepath.Join(dir, sub, filepath.Base(f))
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(dst, data, 0o644))
		require.NoError(t, os.Chtimes(dst, fixedTime, fixedTime))
		out = append(out, dst)
	}
	return out
}

// generate runs Generate on dir.
func generate(t testing.TB, dir string, o repodata.Options) *repodata.Result {
	t.Helper()
	root, err := os.OpenRoot(dir)
	require.NoError(t, err)
	defer root.Close()
	if o.Time.IsZero() {
		o.Time = fixedTime
	}
	res, err := repodata.Generate(context.Background(), root, o)
	require.NoError(t, err)
	return res
}

// generateErr runs Generate on dir and returns its error.
func generateErr(t testing.TB, dir string, o repodata.Options) error {
	t.Helper()
	root, err := os.OpenRoot(dir)
	require.NoError(t, err)
	defer root.Close()
	o.Time = fixedTime
	_, err = repodata.Generate(context.Background(), root, o)
	return err
}

// createrepo runs the real createrepo_c on dir and moves its repodata into
// a directory of its own, returned as a repository root.
func createrepo(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cr := verifiers.Need(t, "createrepo_c")
	r := verifiers.Run(t, cr, append(append([]string{"--no-database"}, args...), dir)...)
	require.Equal(t, 0, r.Code, r.Stderr)
	out := t.TempDir()
	require.NoError(t, os.Rename(filepath.Join(dir, "repodata"), filepath.Join(out, "repodata")))
	return out
}

// readAll reads a file or fails.
func readAll(t testing.TB, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	data, err := io.ReadAll(f)
	require.NoError(t, err)
	return data
}

// optionsAt is the options of a reproducible run at t.
func optionsAt(t time.Time) repodata.Options {
	return repodata.Options{Time: t, Epoch: t}
}

// createrepoInPlace runs the real createrepo_c on dir, leaving its repodata.
func createrepoInPlace(t testing.TB, dir string, args ...string) {
	t.Helper()
	cr := verifiers.Need(t, "createrepo_c")
	r := verifiers.Run(t, cr, append(append([]string{"--no-database"}, args...), dir)...)
	require.Equal(t, 0, r.Code, r.Stderr)
}

// goldenPath is a golden file of this package: testdata/golden/name.
func goldenPath(name string) string { return filepath.Join("testdata", "golden", name) }
