package target

import (
	"errors"
	"io/fs"
	"syscall"
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
// tree's /etc, never the host's), and the file is described through
// os.Root; the final component is not followed.
func (d *dirFS) Identify(p string) (FileID, uint64, error) {
	r, err := resolveParent(d, p)
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
