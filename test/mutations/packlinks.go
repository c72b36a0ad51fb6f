package mutations

import (
	"io/fs"
	"syscall"
)

// hardLinks remembers the first tar name of every regular file with more
// than one link, so that later names are written as hard links (TypeLink)
// and the image keeps the tree's inode identity.
type hardLinks map[[2]uint64]string

// seen returns the first name of fi's inode, or "" (and remembers name) when
// this is the first.
func (h hardLinks) seen(fi fs.FileInfo, name string) string {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || !fi.Mode().IsRegular() || st.Nlink < 2 {
		return ""
	}
	key := [2]uint64{uint64(st.Dev), uint64(st.Ino)}
	if first, ok := h[key]; ok {
		return first
	}
	h[key] = name
	return ""
}
