package target

import "io/fs"

// link counts one more name of n's inode (a hard link was made to it).
func (t *tree) link(n *node) {
	if n.ino == 0 {
		return
	}
	if t.nlinks[n.ino] == 0 {
		t.nlinks[n.ino] = 1
	}
	t.nlinks[n.ino]++
}

// unlink counts one name less of n's inode (an entry was removed).
func (t *tree) unlink(n *node) {
	c := t.nlinks[n.ino]
	switch {
	case n.ino == 0 || c == 0:
	case c <= 2:
		delete(t.nlinks, n.ino)
	default:
		t.nlinks[n.ino] = c - 1
	}
}

// Identify gives a regular file of the flattened image its inode: a hard
// link (a TypeLink entry, in this layer or a lower one) shares its target's,
// whatever its size, and the link count is the names the inode has in the
// flattened image, as a directory holding the same tree says. The final
// component of p is not followed; the others are resolved inside the image.
func (f *imageFS) Identify(p string) (FileID, uint64, error) {
	n, r, err := f.node(p)
	if err != nil {
		return FileID{}, 0, err
	}
	if !n.mode.IsRegular() || n.ino == 0 {
		return FileID{}, 0, &fs.PathError{Op: "identify", Path: r, Err: ErrNoIdentity}
	}
	links := uint64(1)
	if c := f.t.nlinks[n.ino]; c > 0 {
		links = uint64(c)
	}
	return FileID{Dev: 1, Ino: uint64(n.ino)}, links, nil
}
