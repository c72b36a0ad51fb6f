package atomic

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// TestSweepStale: the temporary file a killed writer left beside a file is
// removed by the next write of that file; one a live writer still holds (its
// lock, here kept by a child process that inherited it) is not, nor are
// files of names this package does not make.
func TestSweepStale(t *testing.T) {
	dir := t.TempDir()
	root, err := os.OpenRoot(dir)
	require.NoError(t, err)
	defer root.Close()

	// A writer in another process: it created and locked its temporary
	// file as Create does, then the test keeps it alive in a child.
	f, err := Create(root, "out.spec")
	require.NoError(t, err)
	held := filepath.Base(f.tmp)
	child := exec.Command("sleep", "60")
	child.ExtraFiles = []*os.File{f.File}
	require.NoError(t, child.Start())
	defer func() { _ = child.Process.Kill(); _ = child.Wait() }()
	require.NoError(t, f.File.Close()) // the child holds the lock now
	f.closed, f.done = true, true

	stale := ".out.spec" + marker + "0123456789ab"
	require.NoError(t, os.WriteFile(filepath.Join(dir, stale), []byte("half"), 0o600))
	for _, other := range []string{".out.spec.qm-build-xyz", ".other" + marker + "0123456789ab", "out.spec.qm-build-0123456789ab"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, other), nil, 0o600))
	}

	require.NoError(t, WriteFile(root, "out.spec", []byte("new"), 0o644))
	names := func() []string {
		es, err := os.ReadDir(dir)
		require.NoError(t, err)
		var out []string
		for _, e := range es {
			out = append(out, e.Name())
		}
		return out
	}
	require.NotContains(t, names(), stale, "the killed run's file is removed")
	require.Contains(t, names(), held, "a live writer's file is kept")
	require.Contains(t, names(), ".out.spec.qm-build-xyz")
	require.Contains(t, names(), ".other"+marker+"0123456789ab")
	require.Contains(t, names(), "out.spec.qm-build-0123456789ab")

	// The writer is killed: its lock goes with it, and the next write
	// removes its file.
	require.NoError(t, child.Process.Signal(unix.SIGKILL))
	_ = child.Wait()
	n, err := SweepStale(root, "out.spec")
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.NotContains(t, names(), held)
}
