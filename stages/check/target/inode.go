package target

import (
	"errors"
	"io/fs"
	"path"
	"syscall"

	"golang.org/x/sys/unix"
)

// FileID identifies a regular file's inode within an image: paths with the
// same FileID are hard links to one file.
type FileID struct{ Dev, Ino uint64 }

// Identifier is implemented by image file systems that know inode identity
// (the checker's hard-link rule uses it).
type Identifier interface {
	// Identify returns the FileID of the regular file at p (not following a
	// final link) and its number of links, 0 when the format does not record
	// it.
	Identify(p string) (FileID, uint64, error)
}

// ErrNoIdentity is returned for a path that has no inode identity: not a
// regular file.
var ErrNoIdentity = errors.New("no inode identity")

// Identify reads st_dev, st_ino and st_nlink of a file of the tree. Every
// component of p but the last is resolved inside the tree as the kernel
// resolves it with the tree as root (a link to /etc in the tree names the
// tree's /etc, never the host's); the final component is not followed. The
// rules call it for every file of QM's trees, so the kernel resolves the
// parent (openat2 with RESOLVE_IN_ROOT: Resolve's semantics in one system
// call); where that fails (an error to report, a kernel or sandbox without
// openat2) Resolve and os.Root do it, with the same answer and errors as
// the image forms.
func (d *dirFS) Identify(p string) (FileID, uint64, error) {
	c, err := Clean(p)
	if err != nil {
		return FileID{}, 0, err
	}
	if id, n, ok := d.identifyInRoot(c); ok {
		return id, n, nil
	}
	return d.identifyResolved(c)
}

// identifyResolved is Identify through Resolve and os.Root.
func (d *dirFS) identifyResolved(c string) (FileID, uint64, error) {
	r, err := resolveParent(d, c)
	if err != nil {
		return FileID{}, 0, err
	}
	fi, err := d.root.Lstat(rel(r))
	if err != nil {
		return FileID{}, 0, pathError("lstat", r, err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || !fi.Mode().IsRegular() {
		return FileID{}, 0, &fs.PathError{Op: "identify", Path: r, Err: ErrNoIdentity}
	}
	return FileID{Dev: uint64(st.Dev), Ino: st.Ino}, uint64(st.Nlink), nil
}

// identifyInRoot is Identify's fast way, for a regular file: ok is false
// for anything else, and for every error.
func (d *dirFS) identifyInRoot(c string) (FileID, uint64, bool) {
	dir, base := path.Split(c)
	if base == "" {
		return FileID{}, 0, false
	}
	if d.rootfd < 0 {
		return FileID{}, 0, false
	}
	parent, err := unix.Openat2(d.rootfd, rel(dir), &unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS,
	})
	if err != nil {
		return FileID{}, 0, false
	}
	defer unix.Close(parent)
	var st unix.Stat_t
	if unix.Fstatat(parent, base, &st, unix.AT_SYMLINK_NOFOLLOW) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		return FileID{}, 0, false
	}
	return FileID{Dev: uint64(st.Dev), Ino: st.Ino}, uint64(st.Nlink), true
}
