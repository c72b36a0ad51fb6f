package target

import (
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// A bootc image is an OCI image that says it boots: the label
// containers.bootc=1 (bootc's own), or ostree.bootable (rpm-ostree's and
// ostree-ext's). Its /etc is the image's /etc; an image exported by ostree
// tooling may carry it as /usr/etc only, which the booted system shows as
// /etc (ostree's deployment copies it there). Kernel arguments come from
// /usr/lib/bootc/kargs.d, which the checker reads for every image
// (rootfs/kargs).

func isBootc(labels map[string]string) bool {
	return labels["containers.bootc"] == "1" || labels["ostree.bootable"] != ""
}

func bootcLabel(labels map[string]string) string {
	if labels["containers.bootc"] == "1" {
		return "containers.bootc=1"
	}
	return "ostree.bootable=" + labels["ostree.bootable"]
}

// bootcLayout shows /usr/etc as /etc when the image has no /etc of its own.
func bootcLayout(fsys FS, notes *[]string) (FS, error) {
	if Exists(fsys, "/etc") {
		return fsys, nil
	}
	e, err := fsys.Lstat("/usr/etc")
	if err != nil || !e.Mode.IsDir() {
		return fsys, nil
	}
	*notes = append(*notes, "the image has /usr/etc and no /etc: /etc is read as a copy of /usr/etc, as the deployment makes it")
	return &etcFS{inner: fsys}, nil
}

// etcFS is an image whose /etc is a copy of its /usr/etc (a directory of its
// own in the booted system, not a link: its files have identities of their
// own).
type etcFS struct{ inner FS }

const usrEtc = "/usr/etc"

// toInner maps a path of the view to the inner image: /etc/… is /usr/etc/….
func toInner(p string) string {
	if p == "/etc" || strings.HasPrefix(p, "/etc/") {
		return usrEtc + strings.TrimPrefix(p, "/etc")
	}
	return p
}

func (a *etcFS) lstatNoFollow(p string) (Entry, error) {
	p, err := Clean(p)
	if err != nil {
		return Entry{}, err
	}
	e, err := noFollow(a.inner)(toInner(p))
	if err != nil {
		return Entry{}, pathError("lstat", p, err)
	}
	e.Path = p
	return e, nil
}

func (a *etcFS) Lstat(p string) (Entry, error) {
	c, err := Clean(p)
	if err != nil {
		return Entry{}, err
	}
	r, err := resolveParent(a, c)
	if err != nil {
		return Entry{}, err
	}
	e, err := a.inner.Lstat(toInner(r))
	if err != nil {
		return Entry{}, pathError("lstat", c, err)
	}
	e.Path = c
	return e, nil
}

func (a *etcFS) ReadDir(p string) ([]Entry, error) {
	c, err := Clean(p)
	if err != nil {
		return nil, err
	}
	r, err := Resolve(a, c)
	if err != nil {
		return nil, err
	}
	list, err := a.inner.ReadDir(toInner(r))
	if err != nil {
		return nil, pathError("readdir", c, err)
	}
	out := make([]Entry, 0, len(list)+1)
	for _, e := range list {
		e.Path = path.Join(c, path.Base(e.Path))
		out = append(out, e)
	}
	if r == "/" {
		e, err := a.Lstat("/etc")
		if err == nil {
			out = append(out, e)
			sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
		}
	}
	return out, nil
}

func (a *etcFS) Open(p string) (io.ReadCloser, error) {
	c, err := Clean(p)
	if err != nil {
		return nil, err
	}
	r, err := resolveParent(a, c)
	if err != nil {
		return nil, err
	}
	return a.inner.Open(toInner(r))
}

func (a *etcFS) Walk(fn WalkFunc, o WalkOptions) error {
	return a.inner.Walk(func(e Entry, head []byte) error {
		if err := fn(e, head); err != nil {
			return err
		}
		if e.Path == usrEtc || strings.HasPrefix(e.Path, usrEtc+"/") {
			c := e
			c.Path = "/etc" + strings.TrimPrefix(e.Path, usrEtc)
			return fn(c, head)
		}
		return nil
	}, o)
}

func (a *etcFS) Close() error { return a.inner.Close() }

// etcCopy marks the identity of a file under /etc: a copy of /usr/etc's,
// not the same inode.
const etcCopy = 1 << 62

// Identify gives /etc's files identities of their own (links among them
// stay links).
func (a *etcFS) Identify(p string) (FileID, uint64, error) {
	id, ok := a.inner.(Identifier)
	if !ok {
		return FileID{}, 0, &fs.PathError{Op: "identify", Path: p, Err: ErrNoIdentity}
	}
	c, err := Clean(p)
	if err != nil {
		return FileID{}, 0, err
	}
	r, err := resolveParent(a, c)
	if err != nil {
		return FileID{}, 0, err
	}
	fid, n, err := id.Identify(toInner(r))
	if err == nil && toInner(r) != r {
		fid.Dev |= etcCopy
	}
	return fid, n, err
}
