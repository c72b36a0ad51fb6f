package target

import (
	"errors"
	"io/fs"
	"path/filepath"

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

// ErrNoIdentity is returned for a file whose identity the image does not
// record (an empty file of a tar stream).
var ErrNoIdentity = errors.New("no inode identity")

// Identify reads st_dev, st_ino and st_nlink of a file of the tree with one
// lstat of its path (not through os.Root, which opens every directory on the
// way: Walk calls this for every file of QM's trees). The final component is
// not followed; a link in a directory component would be followed, which
// Walk never reports (it descends only into real directories).
func (d *dirFS) Identify(p string) (FileID, uint64, error) {
	p, err := Clean(p)
	if err != nil {
		return FileID{}, 0, err
	}
	var st unix.Stat_t
	if err := unix.Lstat(filepath.Join(d.dir, rel(p)), &st); err != nil {
		return FileID{}, 0, &fs.PathError{Op: "identify", Path: p, Err: err}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return FileID{}, 0, &fs.PathError{Op: "identify", Path: p, Err: ErrNoIdentity}
	}
	return FileID{Dev: uint64(st.Dev), Ino: st.Ino}, uint64(st.Nlink), nil
}
