package target

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/qm-build/qm-build/rpmspec/cleanup"
)

// A work directory is where one Open keeps its temporary files:
// $TMPDIR/qm-build-check-*, holding an owner marker and the unnamed spool
// file. Close removes it; so does the CLI's context cancellation on SIGINT or
// SIGTERM, through Close. A run that was killed outright leaves the directory
// (empty but for the marker), and the next Open removes it; a run the CLI's
// hard stop ends removes it on its way out (package cleanup): the marker names
// the owner's PID, its start time and the boot, so a directory is removed only
// when its owner is gone, never while it runs.
const (
	workDirPattern = "qm-build-check-*"
	ownerMarker    = ".qm-build-owner"
	markerMagic    = "qm-build check work directory v1"
)

// makeWorkDir removes stale work directories in tmp, then makes the
// target's own, registered with the hard stop's cleanup until Close removes
// it.
func (t *Target) makeWorkDir(tmp string) error {
	if tmp == "" {
		tmp = os.TempDir()
	}
	sweepStale(tmp)
	dir, err := os.MkdirTemp(tmp, workDirPattern)
	if err != nil {
		return fmt.Errorf("creating a temporary directory: %w", err)
	}
	marker, err := ownerRecord(os.Getpid())
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, ownerMarker), []byte(marker), 0o600)
	}
	if err != nil {
		os.RemoveAll(dir)
		return fmt.Errorf("writing the owner marker of %s: %w", dir, err)
	}
	t.workDir = dir
	t.unregisterWorkDir = cleanup.Register(func() { removeDir(dir) })
	return nil
}

// removeWorkDir unmounts what is mounted under the target's work directory
// and removes it; the hard stop then no longer needs to.
func (t *Target) removeWorkDir() error {
	err := removeDir(t.workDir)
	t.unregisterWorkDir()
	t.workDir, t.unregisterWorkDir = "", nil
	return err
}

func removeDir(dir string) error {
	unmountUnder(dir) // nothing is left mounted, whatever the target's Close did
	return os.RemoveAll(dir)
}

// ownerRecord is the marker text for a process: who it is, unambiguously
// (a PID alone can be reused).
func ownerRecord(pid int) (string, error) {
	start, err := processStart(pid)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s\npid %d\nstart %s\nboot %s\n", markerMagic, pid, start, bootID()), nil
}

// processStart is field 22 of /proc/PID/stat: the start time in clock ticks
// after boot.
func processStart(pid int) (string, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", err
	}
	// The command name (field 2) may hold spaces and parentheses: split after
	// its last ')'.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return "", fmt.Errorf("parsing /proc/%d/stat", pid)
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 20 {
		return "", fmt.Errorf("parsing /proc/%d/stat", pid)
	}
	return f[19], nil
}

func bootID() string {
	data, _ := os.ReadFile("/proc/sys/kernel/random/boot_id")
	return strings.TrimSpace(string(data))
}

// sweepStale removes the work directories in tmp whose owner is gone: only
// directories (not links) owned by this user that carry a marker written by
// qm-build check. Errors are ignored: a directory that cannot be read or
// removed is not this run's business.
func sweepStale(tmp string) {
	matches, _ := filepath.Glob(filepath.Join(tmp, workDirPattern))
	for _, dir := range matches {
		fi, err := os.Lstat(dir)
		if err != nil || !fi.IsDir() {
			continue
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); !ok || int(st.Uid) != os.Geteuid() {
			continue
		}
		if ownerGone(dir) {
			unmountUnder(dir) // a disk image a killed check left mounted (read-only)
			os.RemoveAll(dir)
		}
	}
}

// ownerGone reads a work directory's marker and says whether its owner has
// exited (or the machine rebooted since).
func ownerGone(dir string) bool {
	fd, err := unix.Open(filepath.Join(dir, ownerMarker), unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	f := os.NewFile(uintptr(fd), ownerMarker)
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() || fi.Size() > 4096 {
		return false
	}
	buf := make([]byte, 4096)
	n, _ := f.Read(buf)
	lines := strings.Split(string(buf[:n]), "\n")
	if len(lines) < 4 || lines[0] != markerMagic {
		return false
	}
	pid, err := strconv.Atoi(strings.TrimPrefix(lines[1], "pid "))
	if err != nil || pid <= 0 {
		return false
	}
	if strings.TrimPrefix(lines[3], "boot ") != bootID() {
		return true
	}
	if err := unix.Kill(pid, 0); err == unix.ESRCH {
		return true
	}
	start, err := processStart(pid)
	if err != nil {
		return os.IsNotExist(err)
	}
	return start != strings.TrimPrefix(lines[2], "start ")
}
