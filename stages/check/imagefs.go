package check

import (
	"io/fs"
	"path"

	"github.com/qm-build/qm-build/rootfs/imagefs"
	"github.com/qm-build/qm-build/stages/check/target"
)

// imageFS shows a target to the configuration models (rootfs/imagefs): paths
// resolve inside the image the way the booted system resolves them, and
// directory listings are cached for the life of one check.
type imageFS struct {
	fs   target.FS
	dirs map[string]dirListing
}

type dirListing struct {
	entries []imagefs.DirEntry
	err     error
}

// ImageFS returns the context's image view.
func (c *Context) imageFS() *imageFS {
	if c.ifs == nil {
		c.ifs = &imageFS{fs: c.FS, dirs: map[string]dirListing{}}
	}
	return c.ifs
}

func (a *imageFS) ReadDir(p string) ([]imagefs.DirEntry, error) {
	if l, ok := a.dirs[p]; ok {
		return l.entries, l.err
	}
	entries, err := a.readDir(p)
	a.dirs[p] = dirListing{entries, err}
	return entries, err
}

func (a *imageFS) readDir(p string) ([]imagefs.DirEntry, error) {
	r, err := target.Resolve(a.fs, p)
	if err != nil {
		return nil, err
	}
	list, err := a.fs.ReadDir(r)
	if err != nil {
		return nil, err
	}
	out := make([]imagefs.DirEntry, 0, len(list))
	for _, e := range list {
		de := imagefs.DirEntry{Name: path.Base(e.Path), Link: e.Link}
		mode := e.Mode
		if e.Mode&fs.ModeSymlink != 0 {
			mode = 0
			if t, err := target.Resolve(a.fs, path.Join(p, de.Name)); err == nil {
				if te, err := a.fs.Lstat(t); err == nil {
					mode = te.Mode
				}
			}
		}
		de.Dir, de.Regular = mode.IsDir(), mode.IsRegular()
		out = append(out, de)
	}
	return out, nil
}

func (a *imageFS) ReadFile(p string) ([]byte, error) { return target.ReadFile(a.fs, p) }
