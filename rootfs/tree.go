package rootfs

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/qm-build/qm-build/rootfs/atomic"
	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/rpmspec/input"
)

// Tree is an image tree opened with os.Root. Every write into a build tree
// goes through it, so nothing escapes the tree: not a ".." path, not a planted
// symlink such as etc/qm -> /etc.
//
// The build stages write through Add and Commit (commit.go): the whole plan
// is validated before the first write, staged, then renamed into place, and
// the paths an earlier run created that the plan no longer has are removed
// (ManifestPath records them), so that a failure leaves the tree as it was
// and a run leaves the same tree whatever ran before. Write puts one file in
// place at once (a temporary file renamed over the target), for the few
// commands that write single files.
type Tree struct {
	root  *os.Root
	dir   string
	epoch time.Time // zero: leave modification times alone
	chown bool      // set owners (only possible as root)
	// pending are the files Add recorded for Commit, by root-relative path.
	pending map[string]rpmspec.File
	// parents are the directories Write has already made sure of, so that
	// writing many files into one directory walks its path once.
	parents map[string]bool
	ids     *idMap
}

// TreeOptions configure OpenTree.
type TreeOptions struct {
	// Epoch, when set, is the modification time of everything written
	// (SOURCE_DATE_EPOCH), so that trees are reproducible.
	Epoch time.Time
	// Create makes dir (and its parents) when it does not exist.
	Create bool
}

// OpenTree opens the image tree at dir.
func OpenTree(dir string, o TreeOptions) (*Tree, error) {
	if o.Create {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("creating tree %s: %w", dir, err)
		}
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, TreeError(dir, err)
	}
	if !fi.IsDir() {
		return nil, TreeError(dir, errors.New("not a directory"))
	}
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, TreeError(dir, err)
	}
	return &Tree{root: r, dir: dir, epoch: o.Epoch, chown: os.Geteuid() == 0, parents: map[string]bool{}}, nil
}

// TreeError is a target tree that cannot be used: bad input.
func TreeError(dir string, err error) error {
	return &rpmspec.InputError{Msg: "image tree " + dir, Err: err}
}

// Close releases the tree.
func (t *Tree) Close() error { return t.root.Close() }

// Dir is the tree's directory as given to OpenTree.
func (t *Tree) Dir() string { return t.dir }

// Root is the underlying os.Root, for readers.
func (t *Tree) Root() *os.Root { return t.root }

// rel turns an image path (/etc/qm) into a root-relative name (etc/qm).
func rel(p string) (string, error) {
	if err := rpmspec.CheckPath(p); err != nil {
		return "", err
	}
	return strings.TrimPrefix(p, "/"), nil
}

// MaxTreeFile bounds every file qm-build reads from an image tree (unit
// files, agent.conf, seccomp.json, /etc/passwd, ...): the largest real one,
// a seccomp profile, is tens of KiB.
const MaxTreeFile = 16 << 20

// ReadFile reads an image path, a regular file of at most MaxTreeFile bytes
// (see ReadRegular: a FIFO or a device in its place is refused, never read).
// A missing file gives an error satisfying errors.Is(err, fs.ErrNotExist).
func (t *Tree) ReadFile(p string) ([]byte, error) {
	return t.ReadRegular(p, MaxTreeFile)
}

// ReadRegular reads an image path that must be a regular file of at most
// limit bytes (a symlink inside the tree is followed). It opens with
// O_NONBLOCK, so that a FIFO in its place fails at once instead of blocking;
// a missing file gives an error satisfying errors.Is(err, fs.ErrNotExist),
// anything else that is not a regular file a *TreeError (bad input).
func (t *Tree) ReadRegular(p string, limit int64) ([]byte, error) {
	r, err := rel(p)
	if err != nil {
		return nil, err
	}
	f, err := t.root.OpenFile(r, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	switch {
	case err != nil:
		return nil, err
	case !fi.Mode().IsRegular():
		return nil, TreeError(t.dir, fmt.Errorf("%s: is %s, not a regular file", p, typeName(fi.Mode())))
	case fi.Size() > limit:
		return nil, TreeError(t.dir, fmt.Errorf("%s: is larger than %d bytes", p, limit))
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err == nil && int64(len(data)) > limit {
		return nil, TreeError(t.dir, fmt.Errorf("%s: is larger than %d bytes", p, limit))
	}
	return data, err
}

// Lstat stats an image path without following a final symlink.
func (t *Tree) Lstat(p string) (fs.FileInfo, error) {
	r, err := rel(p)
	if err != nil {
		return nil, err
	}
	return t.root.Lstat(r)
}

// MkdirAll creates an image directory and its missing parents (0755, root).
func (t *Tree) MkdirAll(p string) error {
	r, err := rel(p)
	if err != nil {
		return err
	}
	if err := t.root.MkdirAll(r, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", p, err)
	}
	return nil
}

// Write puts one model file into the tree: a regular file (atomically), a
// directory or a symlink, with the model's mode and owner. A %ghost file is
// not written (it is owned, not shipped) unless it is a directory.
func (t *Tree) Write(f rpmspec.File) error {
	if f.Flags&rpmspec.FlagGhost != 0 && f.Kind != rpmspec.KindDir {
		return nil
	}
	r, err := rel(f.Path)
	if err != nil {
		return err
	}
	if dir := path.Dir(r); dir != "." && !t.parents[dir] {
		if err := t.root.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("creating parents of %s: %w", f.Path, err)
		}
		for d := dir; d != "." && !t.parents[d]; d = path.Dir(d) {
			t.parents[d] = true
		}
	}
	switch f.Kind {
	case rpmspec.KindDir:
		err = t.writeDir(r, f)
	case rpmspec.KindSymlink:
		err = t.writeSymlink(r, f)
	default:
		err = t.writeFile(r, f)
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", f.Path, err)
	}
	return nil
}

func (t *Tree) writeDir(r string, f rpmspec.File) error {
	fi, err := t.root.Lstat(r)
	switch {
	case err == nil && !fi.IsDir():
		return fmt.Errorf("exists and is not a directory (%s)", fi.Mode().Type())
	case errors.Is(err, fs.ErrNotExist):
		if err := t.root.Mkdir(r, 0o700); err != nil {
			return err
		}
	case err != nil:
		return err
	}
	// Owner and mode through one open descriptor (fchown, fchmod): one walk
	// of the path instead of two.
	d, err := t.root.Open(r)
	if err != nil {
		return err
	}
	return writeAndClose(d, nil, f.Mode, func() (int, int, bool, error) {
		if !t.chown {
			return 0, 0, false, nil
		}
		uid, gid, err := t.lookupIDs(f.OwnerName(), f.GroupName())
		return uid, gid, true, err
	})
}

func (t *Tree) writeSymlink(r string, f rpmspec.File) error {
	if cur, err := t.root.Readlink(r); err == nil && cur == f.Target {
		return t.setOwner(r, f, true)
	}
	tmp := atomic.TempName(r)
	if err := t.root.Symlink(f.Target, tmp); err != nil {
		return err
	}
	if err := t.setOwner(tmp, f, true); err != nil {
		_ = t.root.Remove(tmp)
		return err
	}
	if err := t.root.Rename(tmp, r); err != nil {
		_ = t.root.Remove(tmp)
		return err
	}
	return nil
}

func (t *Tree) writeFile(r string, f rpmspec.File) error {
	if fi, err := t.root.Lstat(r); err == nil && fi.IsDir() {
		return errors.New("exists and is a directory")
	}
	fh, err := atomic.Create(t.root, r)
	if err != nil {
		return err
	}
	defer fh.Abort()
	// Mode and owner are set through the open file (fchmod, fchown): no
	// second walk of the path.
	if err := writeAttrs(fh.File, f.Body, f.Mode, func() (int, int, bool, error) {
		if !t.chown {
			return 0, 0, false, nil
		}
		uid, gid, err := t.lookupIDs(f.OwnerName(), f.GroupName())
		return uid, gid, true, err
	}); err != nil {
		return err
	}
	return fh.Commit(t.epoch)
}

// writeAndClose is writeAttrs, then closes fh.
func writeAndClose(fh *os.File, body []byte, mode fs.FileMode, owner func() (uid, gid int, set bool, err error)) error {
	err := writeAttrs(fh, body, mode, owner)
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	return err
}

// writeAttrs writes body to fh, and sets its owner (when owner says so) and
// its mode.
func writeAttrs(fh *os.File, body []byte, mode fs.FileMode, owner func() (uid, gid int, set bool, err error)) error {
	if body != nil {
		if _, err := fh.Write(body); err != nil {
			return err
		}
	}
	// Owner before mode: chown(2) clears setuid and setgid bits.
	uid, gid, set, err := owner()
	if err != nil {
		return err
	}
	if set {
		if err := fh.Chown(uid, gid); err != nil {
			return err
		}
	}
	return fh.Chmod(mode)
}

// IsTempName reports whether a base name is one of Write's temporary files;
// tests use it to prove that none is left behind.
func IsTempName(base string) bool { return atomic.IsTemp(base) }

func (t *Tree) setOwner(r string, f rpmspec.File, link bool) error {
	if !t.chown {
		return nil
	}
	uid, gid, err := t.lookupIDs(f.OwnerName(), f.GroupName())
	if err != nil {
		return err
	}
	if link {
		return t.root.Lchown(r, uid, gid)
	}
	return t.root.Chown(r, uid, gid)
}

// idMap resolves user and group names against the tree's own /etc/passwd and
// /etc/group; root is always 0.
type idMap struct {
	users, groups map[string]int
}

func (t *Tree) lookupIDs(user, group string) (int, int, error) {
	if user == "root" && group == "root" {
		return 0, 0, nil
	}
	if t.ids == nil {
		t.ids = &idMap{users: t.readIDs("etc/passwd"), groups: t.readIDs("etc/group")}
	}
	uid, ok := t.ids.users[user]
	if !ok {
		return 0, 0, fmt.Errorf("user %q is not in the tree's /etc/passwd", user)
	}
	gid, ok := t.ids.groups[group]
	if !ok {
		return 0, 0, fmt.Errorf("group %q is not in the tree's /etc/group", group)
	}
	return uid, gid, nil
}

func (t *Tree) readIDs(name string) map[string]int {
	m := map[string]int{"root": 0}
	data, err := input.ReadFileIn(t.root, name, MaxTreeFile)
	if err != nil {
		return m
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ":")
		if len(fields) < 3 {
			continue
		}
		if id, err := strconv.Atoi(fields[2]); err == nil {
			m[fields[0]] = id
		}
	}
	return m
}
