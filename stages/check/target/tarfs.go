package target

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
)

// tarFS is an image flattened from a tar stream: the metadata of every entry in
// memory, file contents in one temporary spool file that is unlinked as soon as
// it is created (nothing is left behind, even when the process dies).
type tarFS struct {
	nodes map[string]*node
	kids  map[string][]string // directory → child paths, sorted
	spool *os.File
}

type node struct {
	Entry
	off int64 // content offset in the spool (regular files)
}

// selinuxPAX is the PAX record GNU tar, podman and buildah use for the
// security.selinux extended attribute.
const selinuxPAX = "SCHILY.xattr.security.selinux"

// newTarFS reads a flattened tar stream (mutate.Extract's output, or a single
// layer) into a tarFS. Entries whose names climb out of the root are an error;
// hard links must name an entry already read.
func newTarFS(r io.Reader, tmpDir string) (*tarFS, error) {
	spool, err := os.CreateTemp(tmpDir, "qm-build-check-*.spool")
	if err != nil {
		return nil, fmt.Errorf("creating spool file: %w", err)
	}
	// Unlink at once: the open descriptor keeps the data, the directory keeps nothing.
	_ = os.Remove(spool.Name())
	t := &tarFS{nodes: map[string]*node{"/": {Entry: Entry{Path: "/", Mode: fs.ModeDir | 0o755}}}, spool: spool}
	if err := t.read(r); err != nil {
		spool.Close()
		return nil, err
	}
	t.index()
	return t, nil
}

func (t *tarFS) read(r io.Reader) error {
	tr := tar.NewReader(r)
	var off int64
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			// mutate.Extract ends the tar stream before it reports a failure
			// (its deferred tar.Writer.Close writes the end marker first), so
			// read on to the real end to see the error.
			if _, err := io.Copy(io.Discard, r); err != nil {
				return fmt.Errorf("reading tar: %w", err)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading tar: %w", err)
		}
		p, err := tarPath(h.Name)
		if err != nil {
			return err
		}
		if p == "/" {
			continue
		}
		n := &node{Entry: Entry{Path: p, Mode: h.FileInfo().Mode(), UID: h.Uid, GID: h.Gid}}
		if l, ok := h.PAXRecords[selinuxPAX]; ok {
			n.Label = trimNUL(l)
		}
		switch h.Typeflag {
		case tar.TypeReg:
			n.Mode = n.Mode &^ fs.ModeType
			written, err := io.Copy(t.spool, tr)
			if err != nil {
				return fmt.Errorf("reading %s from tar: %w", p, err)
			}
			n.off, n.Size = off, written
			off += written
		case tar.TypeLink:
			target, err := tarPath(h.Linkname)
			if err != nil {
				return err
			}
			src, ok := t.nodes[target]
			if !ok || !src.Mode.IsRegular() {
				return fmt.Errorf("tar entry %s: hard link to %s, which is not a regular file read before it", h.Name, h.Linkname)
			}
			n.Mode = src.Mode
			n.off, n.Size = src.off, src.Size
		case tar.TypeSymlink:
			n.Link = h.Linkname
		case tar.TypeDir, tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		default:
			continue // PAX/GNU metadata entries carry no file
		}
		t.addParents(p)
		t.nodes[p] = n
	}
}

// tarPath turns a tar entry name into an image path, rejecting names that are
// absolute-with-dots or climb out of the root (go-containerregistry's
// mutate.Extract rejects the same).
func tarPath(name string) (string, error) {
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return "", fmt.Errorf("unsafe tar path %q: it climbs out of the image with '..'", name)
		}
	}
	return path.Clean("/" + name), nil
}

// addParents creates directories missing from the stream (layers may omit
// them), as root-owned 0755 directories like container runtimes do.
func (t *tarFS) addParents(p string) {
	for d := path.Dir(p); d != "/"; d = path.Dir(d) {
		if _, ok := t.nodes[d]; ok {
			return
		}
		t.nodes[d] = &node{Entry: Entry{Path: d, Mode: fs.ModeDir | 0o755}}
	}
}

func (t *tarFS) index() {
	t.kids = map[string][]string{}
	for p := range t.nodes {
		if p != "/" {
			d := path.Dir(p)
			t.kids[d] = append(t.kids[d], p)
		}
	}
	for _, k := range t.kids {
		sort.Strings(k)
	}
}

func (t *tarFS) Close() error { return t.spool.Close() }

func (t *tarFS) lookup(p string) (*node, error) {
	c, err := Clean(p)
	if err != nil {
		return nil, err
	}
	n, ok := t.nodes[c]
	if !ok {
		return nil, &fs.PathError{Op: "lstat", Path: c, Err: fs.ErrNotExist}
	}
	return n, nil
}

func (t *tarFS) Lstat(p string) (Entry, error) {
	n, err := t.lookup(p)
	if err != nil {
		return Entry{}, err
	}
	return n.Entry, nil
}

func (t *tarFS) ReadDir(p string) ([]Entry, error) {
	n, err := t.lookup(p)
	if err != nil {
		return nil, err
	}
	if !n.Mode.IsDir() {
		return nil, &fs.PathError{Op: "readdir", Path: n.Path, Err: errors.New("not a directory")}
	}
	var out []Entry
	for _, k := range t.kids[n.Path] {
		out = append(out, t.nodes[k].Entry)
	}
	return out, nil
}

func (t *tarFS) Open(p string) (io.ReadCloser, error) {
	n, err := t.lookup(p)
	if err != nil {
		return nil, err
	}
	if !n.Mode.IsRegular() {
		return nil, &fs.PathError{Op: "open", Path: n.Path, Err: errors.New("not a regular file")}
	}
	return io.NopCloser(io.NewSectionReader(t.spool, n.off, n.Size)), nil
}

// Walk visits the entries in path order. The data is local and in memory, so
// one goroutine is as fast as several.
func (t *tarFS) Walk(fn WalkFunc, o WalkOptions) error {
	paths := make([]string, 0, len(t.nodes))
	for p := range t.nodes {
		if p != "/" {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	buf := make([]byte, HeadSize)
	for _, p := range paths {
		n := t.nodes[p]
		var head []byte
		if o.Head && n.Mode.IsRegular() && n.Size > 0 {
			k, err := t.spool.ReadAt(buf[:min(int64(HeadSize), n.Size)], n.off)
			if err != nil && !errors.Is(err, io.EOF) {
				return fmt.Errorf("reading %s: %w", p, err)
			}
			head = buf[:k]
		}
		if err := fn(n.Entry, head); err != nil {
			return err
		}
	}
	return nil
}
