package atomic

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"time"

	"golang.org/x/sys/unix"
)

// SetTimes sets the access and modification times of each name, a path
// inside root, to t without following a final symlink: utimensat(2) with
// AT_SYMLINK_NOFOLLOW, relative to name's directory opened through root
// (O_PATH), so that a symlink gets the time itself and nothing outside root is
// reached. os.Root's Chtimes follows a final symlink, which is why this
// exists.
func SetTimes(root *os.Root, t time.Time, names ...string) error {
	s := timesSetter{root: root, dirs: map[string]*os.File{}}
	defer s.close()
	for _, name := range names {
		if err := s.set(name, t); err != nil {
			return err
		}
	}
	return nil
}

// SetTreeTimes sets the times of name (a directory or any file inside root)
// and of everything below it to t, symlinks included and never followed.
// Setting a time changes no directory's modification time, so the order does
// not matter.
func SetTreeTimes(root *os.Root, name string, t time.Time) error {
	s := timesSetter{root: root, dirs: map[string]*os.File{}}
	defer s.close()
	return fs.WalkDir(root.FS(), name, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return s.set(p, t)
	})
}

// timesSetter keeps each directory it opened, for the next entry in it.
type timesSetter struct {
	root *os.Root
	dirs map[string]*os.File
}

func (s *timesSetter) set(name string, t time.Time) error {
	name = path.Clean(name)
	if name == "." {
		// The root is a directory: nothing to not follow.
		if err := s.root.Chtimes(".", t, t); err != nil {
			return fmt.Errorf("setting the times of %s: %w", s.root.Name(), err)
		}
		return nil
	}
	dir := path.Dir(name)
	d, ok := s.dirs[dir]
	if !ok {
		var err error
		d, err = s.root.OpenFile(dir, unix.O_PATH|unix.O_DIRECTORY, 0)
		if err != nil {
			return fmt.Errorf("setting the times of %s: %w", name, err)
		}
		s.dirs[dir] = d
	}
	ts := unix.NsecToTimespec(t.UnixNano())
	err := ignoringEINTR(func() error {
		return unix.UtimesNanoAt(int(d.Fd()), path.Base(name), []unix.Timespec{ts, ts}, unix.AT_SYMLINK_NOFOLLOW)
	})
	if err != nil {
		return fmt.Errorf("setting the times of %s: %w", name, err)
	}
	return nil
}

func (s *timesSetter) close() {
	for _, d := range s.dirs {
		_ = d.Close()
	}
}

func ignoringEINTR(fn func() error) error {
	for {
		err := fn()
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}
