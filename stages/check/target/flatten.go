package target

import (
	"archive/tar"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"path"
	"strings"
)

// tree is an image being flattened, layer after layer (image-spec layer.md):
// the metadata of every entry in memory, the contents of regular files in a
// spool. Every entry of every layer is applied or the image is refused with
// a reason; nothing is dropped because it looks unsafe. Links are kept as
// written, and resolved later the way the kernel does inside the image root.
type tree struct {
	// progress, when set, hears how far the layers are (every few thousand
	// entries).
	progress func(string)
	layers   int
	root     *node
	spool    *spool
	lim      Limits
	entries  int               // live entries, the root excluded
	headers  int               // tar headers read, over all layers
	unpacked int64             // uncompressed layer bytes read, over all layers
	meta     int64             // bytes of names, link targets and heads kept
	labels   []string          // distinct labels; 0 is "none"
	labelIdx map[string]uint16 // label → index in labels
	// extra is a symbolic link's target, or the leading bytes of a regular
	// file whose content is not kept in the spool (few entries have one).
	extra map[*node]string
	layer int16 // the layer being applied, from 1
	// inodes numbers the regular files made (a node's ino), and nlinks counts
	// the names of the inodes that have more than one (hard links): an inode
	// not in it has one name.
	inodes uint32
	nlinks map[uint32]uint32
}

// node is one entry of the flattened image, kept small (48 bytes): an image
// may have a million of them. Its name is its key in its directory's kids.
type node struct {
	kids     map[string]*node // a directory's entries (nil until it has one)
	off      int64            // offset in the spool; -1 when not kept
	size     int64
	mode     fs.FileMode
	uid, gid uint32
	label    uint16 // index in tree.labels
	layer    int16  // the layer that last wrote this entry
	pruned   int16  // the layer whose whiteouts last visited it
	ino      uint32 // a regular file's inode number, shared by its hard links; 0: none
}

// Whiteout names (image-spec layer.md, "Whiteouts").
const (
	whiteoutPrefix = ".wh."
	whiteoutMeta   = ".wh..wh."
	whiteoutOpaque = ".wh..wh..opq"
)

// labelPAX are the PAX records that carry the security.selinux attribute:
// GNU tar, podman and buildah write SCHILY.xattr; libarchive writes its own
// (base64) as well.
const (
	selinuxPAX     = "SCHILY.xattr.security.selinux"
	selinuxLibarch = "LIBARCHIVE.xattr.security.selinux"
)

func newTree(sp *spool, lim Limits) *tree {
	root := &node{mode: fs.ModeDir | 0o755, off: -1}
	return &tree{root: root, spool: sp, lim: lim, labels: []string{""}, labelIdx: map[string]uint16{}, extra: map[*node]string{},
		nlinks: map[uint32]uint32{}}
}

// progressEvery is how often (in tar entries) a progress line is updated.
const progressEvery = 4096

// applyTar applies one layer's tar stream.
func (t *tree) applyTar(ctx context.Context, r io.Reader, layer int16) error {
	t.layer = layer
	tr := tar.NewReader(r)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading the tar stream: %w", err)
		}
		t.headers++
		if t.progress != nil && t.headers%progressEvery == 0 {
			t.progress(fmt.Sprintf("layer %d of %d: %d entries read", layer, t.layers, t.headers))
		}
		if t.headers > t.lim.MaxHeaders {
			return &LimitError{Limit: "MaxHeaders", Value: int64(t.lim.MaxHeaders), What: "tar headers in the layers"}
		}
		if err := t.apply(h, tr); err != nil {
			return fmt.Errorf("entry %q: %w", truncate(h.Name), err)
		}
	}
}

// truncate shortens a name for a message.
func truncate(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

// apply applies one tar entry.
func (t *tree) apply(h *tar.Header, content io.Reader) error {
	if h.Typeflag == tar.TypeXGlobalHeader {
		return nil // records for the archive, not a file
	}
	parts, err := t.split(h.Name)
	if err != nil {
		return err
	}
	if len(parts) == 0 {
		return t.applyRoot(h)
	}
	if strings.HasPrefix(parts[0], whiteoutMeta) {
		return nil // aufs bookkeeping at the layer's root (.wh..wh.plnk), never files of the image
	}
	dir, base := parts[:len(parts)-1], parts[len(parts)-1]
	parent, err := t.dir(dir)
	if err != nil {
		return err
	}
	if strings.HasPrefix(base, whiteoutPrefix) {
		switch {
		case base == whiteoutOpaque:
			t.opaque(parent)
		case strings.HasPrefix(base, whiteoutMeta):
			// Other .wh..wh. names are aufs bookkeeping too.
		default:
			name := base[len(whiteoutPrefix):]
			if k := parent.kids[name]; k != nil {
				t.prune(parent, name, k)
			}
		}
		return nil
	}
	n, err := t.newEntry(h, content)
	if err != nil {
		return err
	}
	if old := parent.kids[base]; old != nil {
		if old.mode.IsDir() && n.mode.IsDir() {
			// A directory over a directory merges: new metadata, old children.
			old.mode, old.uid, old.gid, old.label, old.layer = n.mode, n.uid, n.gid, n.label, t.layer
			return nil
		}
		t.detach(parent, base, old)
	}
	return t.attach(parent, strings.Clone(base), n) // not a slice of the whole path
}

// applyRoot takes the metadata of the root directory from its entry.
func (t *tree) applyRoot(h *tar.Header) error {
	if h.Typeflag != tar.TypeDir {
		return errors.New("the image root must be a directory")
	}
	n, err := t.newEntry(h, nil)
	if err != nil {
		return err
	}
	t.root.mode, t.root.uid, t.root.gid, t.root.label = n.mode, n.uid, n.gid, n.label
	return nil
}

// split turns an entry name into path components: a leading "/" or "./" is
// dropped, "a/../b" is "b", and a name that climbs out of the image is
// refused (container runtimes refuse it too).
func (t *tree) split(name string) ([]string, error) {
	if len(name) > t.lim.MaxPath {
		return nil, &LimitError{Limit: "MaxPath", Value: int64(t.lim.MaxPath), What: fmt.Sprintf("a path of %d bytes", len(name))}
	}
	c := path.Clean(strings.TrimLeft(name, "/"))
	if c == ".." || strings.HasPrefix(c, "../") {
		return nil, errors.New("unsafe tar path: it climbs out of the image with '..'")
	}
	if c == "." {
		return nil, nil
	}
	parts := strings.Split(c, "/")
	for _, p := range parts {
		if len(p) > t.lim.MaxName {
			return nil, &LimitError{Limit: "MaxName", Value: int64(t.lim.MaxName), What: fmt.Sprintf("a path component of %d bytes", len(p))}
		}
	}
	return parts, nil
}

// dir returns the directory named by parts, making the missing ones (as
// runtimes do, root-owned 0755). A symbolic link or a file on the way is an
// error: runtimes disagree on where such an entry lands (through the link,
// or replacing it), so the checker cannot say what the image holds.
func (t *tree) dir(parts []string) (*node, error) {
	d := t.root
	for i, p := range parts {
		k := d.kids[p]
		if k == nil {
			k = &node{mode: fs.ModeDir | 0o755, off: -1, layer: t.layer}
			if err := t.attach(d, strings.Clone(p), k); err != nil {
				return nil, err
			}
		} else if !k.mode.IsDir() {
			return nil, fmt.Errorf("its parent /%s is %s, not a directory; runtimes disagree on where such an entry lands",
				strings.Join(parts[:i+1], "/"), typeName(k.mode))
		}
		d = k
	}
	return d, nil
}

// lookup finds an entry by components, following no link.
func (t *tree) lookup(parts []string) *node {
	n := t.root
	for _, p := range parts {
		if n = n.kids[p]; n == nil {
			return nil
		}
	}
	return n
}

// newEntry makes the node a header describes, reading a regular file's
// content into the spool.
func (t *tree) newEntry(h *tar.Header, content io.Reader) (*node, error) {
	if h.Uid < 0 || h.Gid < 0 || int64(h.Uid) > math.MaxUint32 || int64(h.Gid) > math.MaxUint32 {
		return nil, fmt.Errorf("owner %d:%d out of range", h.Uid, h.Gid)
	}
	n := &node{mode: h.FileInfo().Mode(), uid: uint32(h.Uid), gid: uint32(h.Gid), off: -1, layer: t.layer}
	label, err := t.label(h.PAXRecords)
	if err != nil {
		return nil, err
	}
	n.label = label
	switch h.Typeflag {
	case tar.TypeReg, tar.TypeCont, tar.TypeGNUSparse:
		n.mode &^= fs.ModeType
		if t.inodes < math.MaxUint32 {
			t.inodes++
			n.ino = t.inodes
		}
		return n, t.readContent(n, h.Size, content)
	case tar.TypeDir:
		n.mode = n.mode&^fs.ModeType | fs.ModeDir
	case tar.TypeSymlink:
		if h.Linkname == "" {
			return nil, errors.New("symbolic link with an empty target")
		}
		if len(h.Linkname) > t.lim.MaxLink {
			return nil, &LimitError{Limit: "MaxLink", Value: int64(t.lim.MaxLink), What: fmt.Sprintf("a link target of %d bytes", len(h.Linkname))}
		}
		if err := t.keep(int64(len(h.Linkname))); err != nil {
			return nil, err
		}
		t.extra[n], n.size = h.Linkname, int64(len(h.Linkname))
		n.mode = fs.ModeSymlink | 0o777 // what Linux gives every link, whatever the header says
	case tar.TypeLink:
		return t.hardLink(n, h.Linkname)
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
	default:
		return nil, fmt.Errorf("unsupported tar entry type %q", string(h.Typeflag))
	}
	return n, nil
}

// readContent keeps a regular file's content: in the spool when a rule may
// read it (up to MaxReadFile), else only its head.
func (t *tree) readContent(n *node, size int64, content io.Reader) error {
	n.size = size
	if size <= 0 || content == nil {
		return nil
	}
	if size <= MaxReadFile {
		off, err := t.spool.add(content, size)
		if err != nil {
			return err
		}
		n.off = off
		return nil
	}
	if err := t.keep(HeadSize); err != nil {
		return err
	}
	head := make([]byte, HeadSize)
	if _, err := io.ReadFull(content, head); err != nil {
		return err
	}
	t.extra[n] = string(head)
	return nil
}

// hardLink makes n share the inode its target has: mode, owner, label and
// content (tar hard links name an entry already in the image, in this layer
// or a lower one). The target must exist and not be a directory.
func (t *tree) hardLink(n *node, target string) (*node, error) {
	parts, err := t.split(target)
	if err != nil {
		return nil, fmt.Errorf("hard link target: %w", err)
	}
	src := t.lookup(parts)
	if src == nil || len(parts) == 0 {
		return nil, fmt.Errorf("hard link to %q, which is not in the image", truncate(target))
	}
	if src.mode.IsDir() {
		return nil, fmt.Errorf("hard link to the directory %q", truncate(target))
	}
	c := new(node)
	*c = *src
	c.kids, c.layer, c.pruned = nil, t.layer, 0
	t.link(c)
	if e, ok := t.extra[src]; ok {
		if err := t.keep(int64(len(e))); err != nil {
			return nil, err
		}
		t.extra[c] = e
	}
	return c, nil
}

// keep counts n more bytes of metadata kept in memory against MaxMeta.
func (t *tree) keep(n int64) error {
	t.meta += n
	if t.meta > t.lim.MaxMeta {
		return &LimitError{Limit: "MaxMeta", Value: t.lim.MaxMeta, What: "the names and link targets of the image's entries"}
	}
	return nil
}

// label reads the SELinux label from the PAX records, as an index in the
// table of distinct labels (an image has a few hundred and many entries).
func (t *tree) label(recs map[string]string) (uint16, error) {
	l, ok := recs[selinuxPAX]
	if !ok {
		if b, ok2 := recs[selinuxLibarch]; ok2 {
			d, err := base64.StdEncoding.DecodeString(b)
			if err != nil {
				return 0, fmt.Errorf("PAX record %s: %w", selinuxLibarch, err)
			}
			l, ok = string(d), true
		}
	}
	if !ok {
		return 0, nil
	}
	if len(l) > t.lim.MaxLabel {
		return 0, &LimitError{Limit: "MaxLabel", Value: int64(t.lim.MaxLabel), What: fmt.Sprintf("an SELinux label of %d bytes", len(l))}
	}
	l = trimNUL(l)
	if i, ok := t.labelIdx[l]; ok {
		return i, nil
	}
	if len(t.labels) > t.lim.MaxLabels {
		return 0, &LimitError{Limit: "MaxLabels", Value: int64(t.lim.MaxLabels), What: "distinct SELinux labels"}
	}
	i := uint16(len(t.labels))
	t.labels = append(t.labels, strings.Clone(l))
	t.labelIdx[t.labels[i]] = i
	return i, nil
}

// attach adds n under parent as name, counting it.
func (t *tree) attach(parent *node, name string, n *node) error {
	if t.entries >= t.lim.MaxEntries {
		return &LimitError{Limit: "MaxEntries", Value: int64(t.lim.MaxEntries), What: "entries in the image"}
	}
	if err := t.keep(int64(len(name))); err != nil {
		return err
	}
	if parent.kids == nil {
		parent.kids = map[string]*node{}
	}
	parent.kids[name] = n
	t.entries++
	return nil
}

// detach removes the entry name of parent and everything under it.
func (t *tree) detach(parent *node, name string, n *node) {
	delete(parent.kids, name)
	t.forget(name, n)
}

// forget uncounts a removed subtree.
func (t *tree) forget(name string, n *node) {
	t.entries--
	t.meta -= int64(len(name) + len(t.extra[n]))
	t.unlink(n)
	delete(t.extra, n)
	for k, c := range n.kids {
		t.forget(k, c)
	}
}

// prune applies a whiteout to n: everything from lower layers goes; what this
// layer wrote stays, with the directories that hold it ("Whiteout files MUST
// only apply to resources in lower/parent layers"). A subtree is visited once
// per layer, so repeated whiteouts cost nothing more. It reports whether n
// went.
func (t *tree) prune(parent *node, name string, n *node) bool {
	if n.pruned == t.layer {
		return false // visited in this layer, and still there: kept
	}
	n.pruned = t.layer
	keep := n.layer == t.layer
	for k, c := range n.kids {
		if !t.prune(n, k, c) {
			keep = true
		}
	}
	if keep {
		return false
	}
	t.detach(parent, name, n)
	return true
}

// opaque applies an opaque whiteout: the lower layers' entries in d go.
func (t *tree) opaque(d *node) {
	for k, c := range d.kids {
		t.prune(d, k, c)
	}
}
