package examples

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/blueprints/stubrepo"
	"github.com/qm-build/qm-build/test/composed"
	"github.com/qm-build/qm-build/test/verifiers"
)

// pages are the Markdown pages whose examples run: the README and every
// page under docs/, found afresh each run.
func pages(t *testing.T, root string) []string {
	t.Helper()
	out := []string{"README.md"}
	err := filepath.WalkDir(filepath.Join(root, "docs"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".md") {
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			out = append(out, rel)
		}
		return nil
	})
	require.NoError(t, err)
	return out
}

// TestExamples runs every ```sh block of the README and docs/, page by
// page, each page in a scratch copy of the repository (so `make build`
// and `bin/qm-build …` work as they do in a checkout), with $MIRROR and
// $MIRROR_AARCH64 naming local repositories that stand in for the
// distribution's (the offline recipes' mirrors). Files a block writes carry
// over to the page's next block; shell variables do not.
func TestExamples(t *testing.T) {
	bash := verifiers.Need(t, "bash")
	root := verifiers.RepoRoot(t)
	type page struct {
		name   string
		blocks []Block
	}
	var run []page
	for _, p := range pages(t, root) {
		data, err := os.ReadFile(filepath.Join(root, p))
		require.NoError(t, err)
		blocks, err := Extract(p, data)
		require.NoError(t, err)
		if len(blocks) > 0 {
			run = append(run, page{p, blocks})
		}
	}
	require.NotEmpty(t, run, "the README has examples")
	if testing.Short() {
		t.Skip("-short: the examples build qm-build and run it")
	}
	mirrors := map[string]string{"MIRROR": stubMirror(t, "x86_64"), "MIRROR_AARCH64": stubMirror(t, "aarch64")}
	// HOME is a scratch directory (examples install into it); Go keeps its
	// caches where they are, so that `make build` is not a cold build.
	gocache := goEnv(t)
	for _, pg := range run {
		t.Run(pg.name, func(t *testing.T) {
			work := filepath.Join(t.TempDir(), "qm-build")
			copyTree(t, root, work)
			home := t.TempDir()
			for _, b := range pg.blocks {
				if b.Skip != "" {
					t.Logf("%s:%d: not run: %s", pg.name, b.Line, b.Skip)
					continue
				}
				cmd := exec.Command(bash, "-e", "-o", "pipefail", "-c", b.Code)
				cmd.Dir = work
				cmd.Env = append(append(os.Environ(), gocache...), "HOME="+home,
					"MIRROR="+mirrors["MIRROR"], "MIRROR_AARCH64="+mirrors["MIRROR_AARCH64"])
				cmd.WaitDelay = time.Second
				start := time.Now()
				out, err := cmd.CombinedOutput()
				require.NoError(t, err, "%s:%d: the example fails:\n%s\n--- output:\n%s", pg.name, b.Line, b.Code, out)
				t.Logf("%s:%d: ran in %s", pg.name, b.Line, time.Since(start).Round(time.Millisecond))
			}
		})
	}
}

// stubMirror writes a local repository standing in for the distribution's
// for arch (blueprints/stubrepo: the packages QM's pipelines ask for, with
// their dependencies), indexed by createrepo_c.
func stubMirror(t *testing.T, arch string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "mirror-"+arch)
	_, err := stubrepo.WriteStubs(dir, arch, composed.All(t))
	require.NoError(t, err)
	r := verifiers.Run(t, verifiers.Need(t, "createrepo_c"), "-q", "--no-database", dir)
	require.Zero(t, r.Code, r.Stderr)
	return dir
}

// goEnv is Go's cache locations, for commands run with another HOME.
func goEnv(t *testing.T) []string {
	t.Helper()
	var env []string
	for _, v := range []string{"GOCACHE", "GOMODCACHE", "GOPATH"} {
		out, err := exec.Command("go", "env", v).Output()
		require.NoError(t, err)
		env = append(env, v+"="+strings.TrimSpace(string(out)))
	}
	return env
}

// copyTree copies the repository's files (not .git, bin, out or the tools)
// into dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	skip := map[string]bool{".git": true, "bin": true, "out": true, ".tools": true}
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if d.IsDir() && skip[rel] {
			return filepath.SkipDir
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case info.Mode()&os.ModeSymlink != 0:
			l, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(l, target)
		case info.Mode().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(target, data, info.Mode().Perm())
		}
		return nil
	})
	require.NoError(t, err)
}
