package target

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec/cleanup"
)

// deadPID is the PID of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	require.NoError(t, cmd.Run())
	return cmd.Process.Pid
}

// TestWorkDirLifecycle: an image target keeps a marked work directory while
// open and none after Close.
func TestWorkDirLifecycle(t *testing.T) {
	tmp := t.TempDir()
	tg, err := Open("docker-archive:"+writeDockerArchive(t, twoLayers(t)), Options{TempDir: tmp})
	require.NoError(t, err)
	dirs, err := filepath.Glob(filepath.Join(tmp, workDirPattern))
	require.NoError(t, err)
	require.Len(t, dirs, 1)
	marker, err := os.ReadFile(filepath.Join(dirs[0], ownerMarker))
	require.NoError(t, err)
	want, err := ownerRecord(os.Getpid())
	require.NoError(t, err)
	require.Equal(t, want, string(marker))
	names, err := os.ReadDir(dirs[0])
	require.NoError(t, err)
	require.Len(t, names, 1, "the spool has no name: only the marker is there")
	sweepStale(tmp)
	require.DirExists(t, dirs[0], "a live owner's directory is kept")
	require.NoError(t, tg.Close())
	left, _ := os.ReadDir(tmp)
	require.Empty(t, left)
}

// TestHardStopRemovesWorkDirs: what the CLI's hard stop runs (package
// cleanup) removes the work directories of targets still open, and Close
// unregisters its own, so the hard stop leaves nothing and runs nothing twice.
func TestHardStopRemovesWorkDirs(t *testing.T) {
	tmp := t.TempDir()
	before := cleanup.Pending()
	closed, err := Open("docker-archive:"+writeDockerArchive(t, twoLayers(t)), Options{TempDir: tmp})
	require.NoError(t, err)
	open, err := Open("docker-archive:"+writeDockerArchive(t, twoLayers(t)), Options{TempDir: tmp})
	require.NoError(t, err)
	require.Equal(t, before+2, cleanup.Pending())
	require.NoError(t, closed.Close())
	require.Equal(t, before+1, cleanup.Pending(), "Close unregisters its directory")
	dirs, err := filepath.Glob(filepath.Join(tmp, workDirPattern))
	require.NoError(t, err)
	require.Len(t, dirs, 1)
	cleanup.Run()
	require.NoDirExists(t, dirs[0], "the hard stop removes the open target's work directory")
	require.Zero(t, cleanup.Pending())
	require.NoError(t, open.Close(), "closing after the hard stop's cleanup is harmless")
	left, _ := os.ReadDir(tmp)
	require.Empty(t, left)
}

// TestSweepStale is issue 17's tenth case for check: killed runs left
// /tmp/qm-build-check-oci-* behind, and no later run removed them. A later
// run removes the work directories whose owner is gone, and nothing else.
func TestSweepStale(t *testing.T) {
	tmp := t.TempDir()
	mk := func(name, marker string) string {
		d := filepath.Join(tmp, name)
		require.NoError(t, os.MkdirAll(filepath.Join(d, "sub"), 0o700))
		if marker != "" {
			require.NoError(t, os.WriteFile(filepath.Join(d, ownerMarker), []byte(marker), 0o600))
		}
		return d
	}
	live, err := ownerRecord(os.Getpid())
	require.NoError(t, err)
	dead, err := ownerRecord(os.Getpid())
	require.NoError(t, err)
	dead = strings.Replace(dead, "pid "+strconv.Itoa(os.Getpid()), "pid "+strconv.Itoa(deadPID(t)), 1)
	reused := strings.Replace(live, "\nstart ", "\nstart 1", 1)
	rebooted := strings.Replace(live, "\nboot ", "\nboot other-", 1)
	gone := []string{
		mk("qm-build-check-dead", dead),
		mk("qm-build-check-reused", reused),
		mk("qm-build-check-rebooted", rebooted),
	}
	kept := []string{
		mk("qm-build-check-live", live),
		mk("qm-build-check-unmarked", ""),
		mk("qm-build-check-foreign", "someone else's\npid 1\nstart 1\nboot x\n"),
		mk("other-dead", dead),
	}
	require.NoError(t, os.Symlink(gone[0], filepath.Join(tmp, "qm-build-check-link")))
	kept = append(kept, filepath.Join(tmp, "qm-build-check-link"))
	tg, err := Open("docker-archive:"+writeDockerArchive(t, twoLayers(t)), Options{TempDir: tmp})
	require.NoError(t, err)
	require.NoError(t, tg.Close())
	for _, d := range gone {
		require.NoDirExists(t, d)
	}
	for _, d := range kept {
		_, err := os.Lstat(d)
		require.NoError(t, err, "%s must be kept", d)
	}
}
