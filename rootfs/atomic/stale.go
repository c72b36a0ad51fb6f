package atomic

import (
	"errors"
	"io/fs"
	"os"
	"path"

	"golang.org/x/sys/unix"
)

// A temporary file is locked (flock, exclusive) by the run writing it for
// as long as the file exists under its temporary name; the kernel drops
// the lock when that run ends, however it ends. A later run therefore tells
// a killed run's leftover (unlocked) from another run's file in progress
// (locked) without guessing from ages or process ids.

// lock takes the writer's lock on a temporary file it just created.
func lock(f *os.File) error {
	return unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
}

// SweepStale removes the temporary files TempName made for name (a
// root-relative path) that no running writer holds: what a killed run left
// beside name. It returns how many it removed.
func SweepStale(root *os.Root, name string) (int, error) {
	dir, base := path.Dir(name), path.Base(name)
	d, err := root.Open(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range names {
		if !IsTempOf(e, base) {
			continue
		}
		p := path.Join(dir, e)
		if removeUnlocked(root, p) {
			n++
		}
	}
	return n, nil
}

// removeUnlocked removes the regular file p if nobody holds its lock.
func removeUnlocked(root *os.Root, p string) bool {
	f, err := root.OpenFile(p, os.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return false
	}
	if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) != nil {
		return false // a running writer holds it
	}
	return root.Remove(p) == nil
}
