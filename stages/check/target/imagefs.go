package target

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// imageFS is a flattened image: the tree in memory, file contents in the
// spool. It implements FS with the same link semantics as dirFS: every path
// component but the last is resolved inside the image root as the kernel
// resolves it in a chroot.
type imageFS struct {
	t   *tree
	ctx context.Context
}

func (f *imageFS) Close() error { return f.t.spool.Close() }

// lookupNoFollow finds an entry by an absolute path whose every component
// but the last is a directory (no link is followed).
func (f *imageFS) lookupNoFollow(p string) (*node, error) {
	c, err := Clean(p)
	if err != nil {
		return nil, err
	}
	if c == "/" {
		return f.t.root, nil
	}
	n := f.t.root
	for _, part := range strings.Split(c[1:], "/") {
		if !n.mode.IsDir() {
			return nil, &fs.PathError{Op: "lstat", Path: c, Err: errNotDir}
		}
		if n = n.kids[part]; n == nil {
			return nil, &fs.PathError{Op: "lstat", Path: c, Err: fs.ErrNotExist}
		}
	}
	return n, nil
}

var errNotDir = errors.New("not a directory")

func (f *imageFS) lstatNoFollow(p string) (Entry, error) {
	n, err := f.lookupNoFollow(p)
	if err != nil {
		return Entry{}, err
	}
	return f.entry(n, path.Clean("/"+strings.TrimPrefix(p, "/"))), nil
}

// node resolves p's parent and returns its last component, not followed.
func (f *imageFS) node(p string) (*node, string, error) {
	r, err := resolveParent(f, p)
	if err != nil {
		return nil, "", err
	}
	n, err := f.lookupNoFollow(r)
	return n, r, err
}

func (f *imageFS) Lstat(p string) (Entry, error) {
	n, _, err := f.node(p)
	if err != nil {
		return Entry{}, err
	}
	c, _ := Clean(p)
	return f.entry(n, c), nil
}

func (f *imageFS) ReadDir(p string) ([]Entry, error) {
	c, err := Clean(p)
	if err != nil {
		return nil, err
	}
	r, err := Resolve(f, c)
	if err != nil {
		return nil, err
	}
	n, err := f.lookupNoFollow(r)
	if err != nil {
		return nil, err
	}
	if !n.mode.IsDir() {
		return nil, &fs.PathError{Op: "readdir", Path: c, Err: errNotDir}
	}
	names := make([]string, 0, len(n.kids))
	for k := range n.kids {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make([]Entry, 0, len(names))
	for _, k := range names {
		out = append(out, f.entry(n.kids[k], path.Join(c, k)))
	}
	return out, nil
}

func (f *imageFS) Open(p string) (io.ReadCloser, error) {
	n, r, err := f.node(p)
	if err != nil {
		return nil, err
	}
	if !n.mode.IsRegular() {
		return nil, notRegularError(r, n.mode)
	}
	if n.size > 0 && n.off < 0 {
		return nil, &fs.PathError{Op: "open", Path: r, Err: fmt.Errorf("larger than %d bytes: only its first bytes are kept", MaxReadFile)}
	}
	return io.NopCloser(f.t.spool.section(max(n.off, 0), n.size)), nil
}

// Walk visits the entries depth first, in name order. The data is local, so
// one goroutine is as fast as several.
func (f *imageFS) Walk(fn WalkFunc, o WalkOptions) error {
	buf := make([]byte, HeadSize)
	return f.walk(f.t.root, "", fn, o, buf)
}

func (f *imageFS) walk(d *node, dir string, fn WalkFunc, o WalkOptions, buf []byte) error {
	if err := f.ctx.Err(); err != nil {
		return err
	}
	names := make([]string, 0, len(d.kids))
	for k := range d.kids {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		n := d.kids[k]
		p := dir + "/" + k
		e := f.entry(n, p)
		e.Label = "" // as dirFS: Walk does not read labels
		var head []byte
		if o.Head && n.mode.IsRegular() && n.size > 0 {
			h, err := f.head(n, buf)
			if err != nil {
				return fmt.Errorf("reading %s: %w", p, err)
			}
			head = h
		}
		if err := fn(e, head); err != nil {
			return err
		}
		if n.mode.IsDir() {
			if err := f.walk(n, p, fn, o, buf); err != nil {
				return err
			}
		}
	}
	return nil
}

func (f *imageFS) head(n *node, buf []byte) ([]byte, error) {
	if n.off < 0 {
		return []byte(f.t.extra[n]), nil
	}
	k, err := f.t.spool.readAt(buf[:min(int64(HeadSize), n.size)], n.off)
	return buf[:k], err
}

func (f *imageFS) entry(n *node, p string) Entry {
	e := Entry{Path: p, Mode: n.mode, UID: int(n.uid), GID: int(n.gid), Size: n.size, Label: f.t.labels[n.label]}
	if n.mode&fs.ModeSymlink != 0 {
		e.Link = f.t.extra[n]
	}
	return e
}
