package atomic

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// Dir is a directory written as a whole: everything goes into a hidden
// staging directory beside the final place (TempName of its base name, on the
// same file system), and Commit swaps the two with renameat2(2)
// RENAME_EXCHANGE, then removes the old one. Until Commit, the old directory
// is untouched; after it, nothing of the old one survives. Abort (safe to
// defer) removes the staging directory.
//
// Nothing of the old directory is ever opened for writing, so a symlink
// planted anywhere inside it is never followed (removal does not follow
// links); a symlink in the place of the directory itself, or of one of its
// entries, is refused by NewDir (DirError).
type Dir struct {
	parent *os.Root // the directory holding both
	path   string   // as given, for messages
	name   string   // base name in parent
	tmp    string   // the staging directory's name in parent
	root   *os.Root // the staging directory
	o      DirOptions
	done   bool
}

// DirOptions configure NewDir.
type DirOptions struct {
	// Owned reports whether an entry of an existing directory is one this
	// program writes there (its name and its kind). NewDir replaces an
	// existing directory only when every entry is owned, so that a mistyped
	// path never deletes someone's files, and a symlink in the place of an
	// owned entry is refused. Nil means an existing directory must be empty.
	Owned func(fs.DirEntry) bool
	// Epoch, when set, is the modification time Commit gives every path in
	// the directory and the directory itself (SOURCE_DATE_EPOCH).
	Epoch time.Time
}

// DirError is a directory that cannot be replaced: the path is a symlink or
// not a directory, or holds something this program did not write. It is bad
// input.
type DirError struct {
	Path string
	Err  error
}

func (e *DirError) Error() string  { return fmt.Sprintf("%s: %v", e.Path, e.Err) }
func (e *DirError) Unwrap() error  { return e.Err }
func (e *DirError) BadInput() bool { return true }

// NewDir starts writing the directory at p (any path a user gave; its parent
// is created when missing). It refuses a p that cannot be replaced as a whole
// (DirError), removes staging directories a killed run left beside p (only
// TempName(base) directories), and creates a fresh, empty staging directory.
func NewDir(p string, o DirOptions) (*Dir, error) {
	if p == "" {
		return nil, &DirError{Path: p, Err: errors.New("the path is empty")}
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return nil, &DirError{Path: p, Err: err}
	}
	parentDir, name := filepath.Split(abs)
	if name == "" {
		return nil, &DirError{Path: p, Err: errors.New("is the root directory")}
	}
	if err := os.MkdirAll(parentDir, 0o755); err != nil {
		return nil, &DirError{Path: p, Err: fmt.Errorf("creating its parent: %w", err)}
	}
	parent, err := os.OpenRoot(parentDir)
	if err != nil {
		return nil, &DirError{Path: p, Err: fmt.Errorf("opening its parent: %w", err)}
	}
	d := &Dir{parent: parent, path: p, name: name, o: o}
	if _, err := d.replaceable(); err != nil {
		parent.Close()
		return nil, err
	}
	if err := sweep(parent, ".", func(e fs.DirEntry) bool { return e.IsDir() && IsTempOf(e.Name(), name) }); err != nil {
		parent.Close()
		return nil, fmt.Errorf("removing what an earlier run left beside %s: %w", p, err)
	}
	d.tmp = TempName(name)
	if err := parent.Mkdir(d.tmp, 0o700); err != nil {
		parent.Close()
		return nil, fmt.Errorf("creating a staging directory beside %s: %w", p, err)
	}
	if d.root, err = parent.OpenRoot(d.tmp); err != nil {
		_ = parent.Remove(d.tmp)
		parent.Close()
		return nil, fmt.Errorf("opening the staging directory beside %s: %w", p, err)
	}
	return d, nil
}

// Root is the staging directory, where everything is written.
func (d *Dir) Root() *os.Root { return d.root }

// Path is the staging directory's path, for code that takes a path (and
// opens it with os.Root).
func (d *Dir) Path() string { return filepath.Join(filepath.Dir(d.path), d.tmp) }

// replaceable checks that the final path is absent, or a directory whose
// every entry is owned. It reports whether the path exists.
func (d *Dir) replaceable() (bool, error) {
	fi, err := d.parent.Lstat(d.name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, &DirError{Path: d.path, Err: err}
	case fi.Mode()&fs.ModeSymlink != 0:
		return true, &DirError{Path: d.path, Err: errors.New("is a symlink; the directory is replaced as a whole and a link in its place is never followed: give the directory it points to")}
	case !fi.IsDir():
		return true, &DirError{Path: d.path, Err: fmt.Errorf("exists and is not a directory (%s)", fi.Mode().Type())}
	}
	entries, err := fs.ReadDir(d.parent.FS(), d.name)
	if err != nil {
		return true, &DirError{Path: d.path, Err: err}
	}
	for _, e := range entries {
		if IsTemp(e.Name()) {
			continue
		}
		if d.o.Owned != nil && d.o.Owned(e) {
			continue
		}
		what := "which is not written there by qm-build"
		if e.Type()&fs.ModeSymlink != 0 {
			what = "a symlink, which is never followed"
		}
		return true, &DirError{Path: d.path, Err: fmt.Errorf("holds %q, %s; the directory is replaced as a whole, so one with other content is refused: remove it or choose another directory", e.Name(), what)}
	}
	return true, nil
}

// Commit gives every path the epoch (when set), makes the staging directory
// 0755 and swaps it into place; the old directory is then removed. When the
// file system cannot exchange two names (RENAME_EXCHANGE is refused), the old
// directory is renamed away first, so for a moment the path is absent.
func (d *Dir) Commit() error {
	if d.done {
		return fmt.Errorf("committing %s: already finished", d.path)
	}
	err := d.finish()
	if err == nil {
		err = d.swap()
	}
	if err != nil {
		d.Abort()
		return err
	}
	d.done = true
	return d.parent.Close()
}

func (d *Dir) finish() error {
	if !d.o.Epoch.IsZero() {
		if err := SetTreeTimes(d.root, ".", d.o.Epoch); err != nil {
			return fmt.Errorf("writing %s: %w", d.path, err)
		}
	}
	if err := d.parent.Chmod(d.tmp, 0o755); err != nil {
		return fmt.Errorf("writing %s: %w", d.path, err)
	}
	return d.root.Close()
}

func (d *Dir) swap() error {
	exists, err := d.replaceable()
	if err != nil {
		return err
	}
	pf, err := d.parent.OpenFile(".", unix.O_PATH|unix.O_DIRECTORY, 0)
	if err != nil {
		return fmt.Errorf("replacing %s: %w", d.path, err)
	}
	defer pf.Close()
	fd := int(pf.Fd())
	if !exists {
		err = unix.Renameat2(fd, d.tmp, fd, d.name, unix.RENAME_NOREPLACE)
		if unsupported(err) {
			err = d.parent.Rename(d.tmp, d.name)
		}
		if err != nil {
			return fmt.Errorf("moving %s into place: %w", d.path, err)
		}
		return nil
	}
	old := d.tmp
	err = unix.Renameat2(fd, d.tmp, fd, d.name, unix.RENAME_EXCHANGE)
	if unsupported(err) {
		old = TempName(d.name)
		if err = d.parent.Rename(d.name, old); err == nil {
			if err = d.parent.Rename(d.tmp, d.name); err != nil {
				_ = d.parent.Rename(old, d.name)
			}
		}
	}
	if err != nil {
		return fmt.Errorf("replacing %s: %w", d.path, err)
	}
	// The new directory is in place; what is left under the temporary name
	// is the old one. A failure to remove it leaves a name the next run
	// removes (NewDir).
	if err := RemoveTree(d.parent, old); err != nil {
		return fmt.Errorf("removing the previous %s (left as %s; the next run removes it): %w", d.path, old, err)
	}
	return nil
}

// unsupported reports an error of a file system (or kernel) that has no
// renameat2 flags.
func unsupported(err error) bool {
	return errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EOPNOTSUPP)
}

// Abort removes the staging directory; after Commit it does nothing.
func (d *Dir) Abort() {
	if d.done {
		return
	}
	d.done = true
	_ = d.root.Close()
	_ = RemoveTree(d.parent, d.tmp)
	_ = d.parent.Close()
}

// RemoveTree removes name inside root and everything below it, never
// following a symlink. Directories without write permission for their owner
// (0555, as QM's rootfs is) are made writable first, which a non-root user
// needs to empty them.
func RemoveTree(root *os.Root, name string) error {
	err := root.RemoveAll(name)
	if err == nil || !errors.Is(err, fs.ErrPermission) {
		return err
	}
	_ = fs.WalkDir(root.FS(), name, func(p string, e fs.DirEntry, err error) error {
		if err == nil && e.IsDir() {
			_ = root.Chmod(p, 0o700)
		}
		return nil
	})
	return root.RemoveAll(name)
}

// sweep removes the entries of dir (inside root) that match, with RemoveTree.
func sweep(root *os.Root, dir string, match func(fs.DirEntry) bool) error {
	entries, err := fs.ReadDir(root.FS(), dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if match(e) {
			if err := RemoveTree(root, path.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}
