package target

import "io/fs"

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
