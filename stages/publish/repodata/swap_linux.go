package repodata

import (
	"errors"
	"fmt"
	"os"
	"path"

	"golang.org/x/sys/unix"
)

// swapDir atomically exchanges dir/a and dir/b inside root with
// renameat2(RENAME_EXCHANGE), or renames a to b when b does not exist. On
// file systems without RENAME_EXCHANGE it falls back to two renames, with a
// moment in which b is absent (never half-written).
func swapDir(root *os.Root, dir, a, b string) error {
	d, err := root.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	fd := int(d.Fd())
	err = unix.Renameat2(fd, a, fd, b, unix.RENAME_EXCHANGE)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.ENOENT):
		if _, serr := root.Lstat(path.Join(dir, b)); serr == nil {
			return err // a is missing: a bug, not a fresh repository
		}
		return root.Rename(path.Join(dir, a), path.Join(dir, b))
	case errors.Is(err, unix.EINVAL), errors.Is(err, unix.ENOSYS), errors.Is(err, unix.EOPNOTSUPP):
		old := a + ".old"
		if err := root.Rename(path.Join(dir, b), path.Join(dir, old)); err != nil {
			return err
		}
		if err := root.Rename(path.Join(dir, a), path.Join(dir, b)); err != nil {
			return errors.Join(err, root.Rename(path.Join(dir, old), path.Join(dir, b)))
		}
		return root.Rename(path.Join(dir, old), path.Join(dir, a))
	}
	return fmt.Errorf("exchanging %s and %s: %w", a, b, err)
}
