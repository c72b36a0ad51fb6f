package selinux

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/test/verifiers"
)

// makeTree creates the given image paths under root: every path that is a
// parent of another is a directory; a few leaves are symlinks, the rest
// regular files.
func makeTree(t testing.TB, root string, paths []string) {
	t.Helper()
	parents := map[string]bool{}
	clean := make([]string, 0, len(paths))
	for _, p := range paths {
		p = filepath.Clean(p)
		if p == "/" || strings.ContainsAny(p, "\x00") {
			continue
		}
		clean = append(clean, p)
		for d := filepath.Dir(p); d != "/"; d = filepath.Dir(d) {
			parents[d] = true
		}
	}
	sort.Strings(clean)
	for i, p := range clean {
		full := filepath.Join(root, p)
		if parents[p] {
			require.NoError(t, os.MkdirAll(full, 0o755))
			continue
		}
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		if i%17 == 0 {
			if err := os.Symlink("target", full); err != nil && !os.IsExist(err) {
				require.NoError(t, err)
			}
			continue
		}
		if err := os.WriteFile(full, nil, 0o644); err != nil && !os.IsExist(err) {
			require.NoError(t, err)
		}
	}
}

var qmTreePaths = []string{"/usr/lib/qm/rootfs/usr/libexec/bluechi-agent", "/usr/lib/qm/rootfs/etc/passwd",
	"/usr/lib/qm/rootfs/var/lib/containers/storage/overlay/l/diff/bin/sh", "/usr/lib/qm/rootfs/run/ipc/ipc.socket",
	"/etc/qm/containers/containers.conf", "/var/qm/lib/containers/storage/overlay-images/images.json",
	"/var/qm/tmp/x", "/run/ipc/s", "/usr/share/qm/contexts", "/usr/bin/podman", "/etc/passwd"}

// setfilesLabels runs `setfiles -n -v -r ROOT FC ROOT` and returns the
// context setfiles would give each image path.
func setfilesLabels(t *testing.T, root, fc string) map[string]string {
	r := verifiers.Run(t, "setfiles", "-n", "-v", "-r", root, fc, root)
	require.Zero(t, r.Code, r.Stderr)
	out := map[string]string{}
	for _, line := range strings.Split(r.Stdout+r.Stderr, "\n") {
		rest, ok := strings.CutPrefix(line, "Would relabel ")
		if !ok {
			continue
		}
		p, ctx, ok := strings.Cut(rest, " from (null) to ")
		require.True(t, ok, line)
		out[strings.TrimPrefix(p, root)] = ctx
	}
	return out
}

// TestLabelCheckAgreesWithSetfiles runs the label check and setfiles on one
// generated tree with the linked policy's file_contexts (refpolicy + qm).
func TestLabelCheckAgreesWithSetfiles(t *testing.T) {
	verifiers.Need(t, "setfiles")
	_, _, linkedFC := linkedPolicy(t)
	data, err := os.ReadFile(linkedFC)
	require.NoError(t, err)
	dir := t.TempDir()
	fcPath := filepath.Join(dir, "file_contexts")
	require.NoError(t, os.WriteFile(fcPath, data, 0o644))
	fc, err := ParseFileContexts(bytes.NewReader(data), fcPath)
	require.NoError(t, err)
	root := filepath.Join(dir, "root")
	makeTree(t, root, append(samplePaths(fc.Specs, 3000, 7), qmTreePaths...))

	want := setfilesLabels(t, root, fcPath)
	report, err := LabelCheck(root, fc)
	require.NoError(t, err)
	require.False(t, report.Labeled, "a fresh tree carries no labels")

	qmWant, qmGot := map[string]bool{}, map[string]bool{}
	for p, ctx := range want {
		if contextType(ctx) == "qm_file_t" {
			qmWant[p] = true
		}
	}
	for _, l := range report.Labels {
		if l.Path == "/" {
			continue // setfiles looks ROOT itself up as "", not "/"
		}
		require.Equal(t, want[l.Path], l.Expected, "%s (%s)", l.Path, l.Kind)
		if contextType(l.Expected) == "qm_file_t" {
			qmGot[l.Path] = true
		}
	}
	require.NotEmpty(t, qmWant)
	require.Equal(t, qmWant, qmGot, "the same paths get qm_file_t")
	withContext := 0
	for _, l := range report.Labels {
		if l.Expected != "" && l.Path != "/" {
			withContext++
		}
	}
	for p := range want {
		if p == "" {
			// setfiles looks ROOT itself up as "" (see above).
			withContext++
		}
	}
	require.Equal(t, len(want), withContext, "setfiles relabels every path with a context")
}

// TestLabelCheckActual labels a few files and checks the comparison.
func TestLabelCheckActual(t *testing.T) {
	fc := parse(t, string(HostFileContexts()))
	root := t.TempDir()
	makeTree(t, root, []string{"/usr/lib/qm/rootfs/etc/x", "/usr/lib/qm/rootfs/usr/libexec/bluechi-agent", "/etc/qm/y"})
	set := func(p, ctx string) {
		require.NoError(t, setxattr(filepath.Join(root, p), ctx), "setting %s on %s", XattrName, p)
	}
	set("/usr/lib/qm/rootfs/etc/x", "system_u:object_r:qm_file_t:s0")
	set("/usr/lib/qm/rootfs/usr/libexec/bluechi-agent", "system_u:object_r:qm_file_t:s0") // wrong type
	set("/etc/qm", "unconfined_u:object_r:qm_file_t:s0")                                  // other user: fine
	report, err := LabelCheck(root, fc)
	require.NoError(t, err)
	require.True(t, report.Labeled)
	status := map[string]string{}
	for _, l := range report.Labels {
		status[l.Path] = l.Status
	}
	require.Equal(t, StatusOK, status["/usr/lib/qm/rootfs/etc/x"])
	require.Equal(t, StatusWrongType, status["/usr/lib/qm/rootfs/usr/libexec/bluechi-agent"])
	require.Equal(t, StatusOK, status["/etc/qm"])
	require.Equal(t, StatusUnlabeled, status["/etc/qm/y"])
	require.Equal(t, StatusNoContext, status["/usr"])
	require.Equal(t, StatusUnlabeled, status["/usr/lib/qm/rootfs"])
	// Unlabeled: /etc/qm/y and the five QM directories; wrong: the agent.
	require.Equal(t, 7, report.Findings())
}

var benchTree struct {
	once     sync.Once
	root, fc string
	err      error
}

// BenchmarkVsLabelCheck compares the label check with `setfiles -n` on the
// same generated 100,000-file tree and the same file_contexts (the default
// policy's plus qm's). Each iteration parses the file_contexts, as setfiles
// does.
func BenchmarkVsLabelCheck(b *testing.B) {
	verifiers.Need(b, "setfiles")
	_, _, linkedFC := linkedPolicy(b)
	benchTree.once.Do(func() {
		data, err := os.ReadFile(linkedFC)
		if err != nil {
			benchTree.err = err
			return
		}
		benchTree.root = filepath.Join(shared.dir, "bench-root")
		benchTree.fc = filepath.Join(shared.dir, "bench-file_contexts")
		if benchTree.err = os.WriteFile(benchTree.fc, data, 0o644); benchTree.err != nil {
			return
		}
		fc, err := ParseFileContexts(bytes.NewReader(data), benchTree.fc)
		if err != nil {
			benchTree.err = err
			return
		}
		makeTree(b, benchTree.root, append(samplePaths(fc.Specs, 100_000, 1), qmTreePaths...))
	})
	require.NoError(b, benchTree.err)
	b.Run("qm-build", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			fc, err := LoadFileContexts(benchTree.fc)
			require.NoError(b, err)
			r, err := LabelCheck(benchTree.root, fc)
			require.NoError(b, err)
			require.Greater(b, len(r.Labels), 100_000)
		}
	})
	b.Run("setfiles", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			r := verifiers.Run(b, "setfiles", "-n", "-r", benchTree.root, benchTree.fc, benchTree.root)
			require.Zero(b, r.Code, r.Stderr)
		}
	})
}
