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

// ErrNoIdentity is returned for a file whose identity the image does not
// record (an empty file of a tar stream).
var ErrNoIdentity = errors.New("no inode identity")

// Identify reads st_dev, st_ino and st_nlink of a file of the tree.
func (d *dirFS) Identify(p string) (FileID, uint64, error) {
	p, err := Clean(p)
	if err != nil {
		return FileID{}, 0, err
	}
	fi, err := d.root.Lstat(rel(p))
	if err != nil {
		return FileID{}, 0, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || !fi.Mode().IsRegular() {
		return FileID{}, 0, &fs.PathError{Op: "identify", Path: p, Err: ErrNoIdentity}
	}
	return FileID{Dev: uint64(st.Dev), Ino: uint64(st.Ino)}, uint64(st.Nlink), nil
}

// Identify gives the files of a flattened tar stream their content's place in
// the spool: a hard link (TypeLink) shares its target's. An empty file has
// no content and so no identity; the link count is not recorded.
func (t *tarFS) Identify(p string) (FileID, uint64, error) {
	n, err := t.lookup(p)
	if err != nil {
		return FileID{}, 0, err
	}
	if !n.Mode.IsRegular() || n.Size == 0 {
		return FileID{}, 0, &fs.PathError{Op: "identify", Path: n.Path, Err: ErrNoIdentity}
	}
	return FileID{Dev: 1, Ino: uint64(n.off) + 1}, 0, nil
}
