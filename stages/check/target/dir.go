package target

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"runtime"
	"sort"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// dirFS is an image tree on disk. Paths are resolved inside the tree with
// the kernel's chroot semantics (Resolve), then read through os.Root, so that
// no path and no symbolic link in the image reaches outside it even if the
// tree changes meanwhile; Walk uses *at system calls relative to directories
// it has already verified.
type dirFS struct {
	dir  string
	root *os.Root
	// rootfd is the tree's directory (O_PATH), for openat2 beneath it;
	// -1 where it could not be opened (os.Root does every lookup then).
	rootfd int
	ctx    context.Context
	// heads, when set, reads the heads of files on mounted partitions from
	// the image (disk_heads.go).
	heads *mappedHeads
}

func openDir(ctx context.Context, dir string) (*dirFS, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		fd = -1
	}
	return &dirFS{dir: dir, root: r, rootfd: fd, ctx: ctx}, nil
}

func (d *dirFS) Close() error {
	if d.rootfd >= 0 {
		unix.Close(d.rootfd)
		d.rootfd = -1
	}
	return d.root.Close()
}

// lstatNoFollow describes p, whose parents are resolved directories.
func (d *dirFS) lstatNoFollow(p string) (Entry, error) {
	p, err := Clean(p)
	if err != nil {
		return Entry{}, err
	}
	if e, err, ok := d.lstatBeneath(p); ok {
		return e, err
	}
	fi, err := d.root.Lstat(rel(p))
	if err != nil {
		return Entry{}, pathError("lstat", p, err)
	}
	e := entryFromInfo(p, fi)
	if e.Mode&fs.ModeSymlink != 0 {
		if e.Link, err = d.root.Readlink(rel(p)); err != nil {
			return Entry{}, pathError("readlink", p, err)
		}
		e.Size = int64(len(e.Link))
	}
	return e, nil
}

// lstatBeneath is lstatNoFollow in one openat2 rather than one openat per
// component through os.Root: p's parents are resolved directories, so the
// kernel, refusing every symbolic link on the way (RESOLVE_NO_SYMLINKS) and
// any step out of the tree (RESOLVE_BENEATH), reaches the file os.Root
// would, and a missing component or a file where a directory is expected is
// the same answer. ok is false wherever it cannot say (no openat2 here, a
// link among the parents after all, any other error): the caller asks
// os.Root, which decides those.
func (d *dirFS) lstatBeneath(p string) (e Entry, err error, ok bool) {
	if d.rootfd < 0 {
		return Entry{}, nil, false
	}
	fd, err := unix.Openat2(d.rootfd, rel(p), &unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_NOFOLLOW | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS,
	})
	switch {
	case err == unix.ENOENT || err == unix.ENOTDIR:
		return Entry{}, pathError("lstat", p, err), true
	case err != nil:
		return Entry{}, nil, false
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil {
		return Entry{}, nil, false
	}
	e = Entry{Path: p, Mode: modeFromUnix(st.Mode), UID: int(st.Uid), GID: int(st.Gid)}
	switch {
	case e.Mode.IsRegular():
		e.Size = st.Size
	case e.Mode&fs.ModeSymlink != 0:
		// readlinkat with an empty name reads the link an O_PATH
		// descriptor refers to.
		b := make([]byte, st.Size+1)
		n, err := unix.Readlinkat(fd, "", b)
		if err != nil || n < 0 || n > int(st.Size) {
			return Entry{}, nil, false
		}
		e.Link, e.Size = string(b[:n]), int64(n)
	}
	return e, nil, true
}

func (d *dirFS) Lstat(p string) (Entry, error) {
	c, err := Clean(p)
	if err != nil {
		return Entry{}, err
	}
	r, err := resolveParent(d, c)
	if err != nil {
		return Entry{}, err
	}
	e, err := d.lstatNoFollow(r)
	if err != nil {
		return Entry{}, err
	}
	if e.Mode&fs.ModeSymlink == 0 {
		e.Label = d.label(r)
	}
	e.Path = c
	return e, nil
}

// label reads security.selinux; a tree without labels gives "".
func (d *dirFS) label(p string) string {
	buf := make([]byte, 256)
	n, err := unix.Lgetxattr(path.Join(d.dir, rel(p)), "security.selinux", buf)
	if err != nil || n <= 0 {
		return ""
	}
	return trimNUL(string(buf[:n]))
}

func trimNUL(s string) string {
	for len(s) > 0 && s[len(s)-1] == 0 {
		s = s[:len(s)-1]
	}
	return s
}

func (d *dirFS) ReadDir(p string) ([]Entry, error) {
	c, err := Clean(p)
	if err != nil {
		return nil, err
	}
	r, err := Resolve(d, c)
	if err != nil {
		return nil, err
	}
	f, err := d.root.OpenFile(rel(r), os.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW, 0)
	if err != nil {
		return nil, pathError("readdir", c, err)
	}
	defer f.Close()
	des, err := f.ReadDir(-1)
	if err != nil {
		return nil, pathError("readdir", c, err)
	}
	out := make([]Entry, 0, len(des))
	for _, de := range des {
		e, err := d.lstatNoFollow(path.Join(r, de.Name()))
		if err != nil {
			return nil, err
		}
		if e.Mode&fs.ModeSymlink == 0 {
			e.Label = d.label(e.Path)
		}
		e.Path = path.Join(c, de.Name())
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// Open opens a regular file. It opens without following a final link and
// with O_NONBLOCK (a FIFO swapped in cannot block it), and checks what it
// opened.
func (d *dirFS) Open(p string) (io.ReadCloser, error) {
	r, err := resolveParent(d, p)
	if err != nil {
		return nil, err
	}
	// os.Root follows a final link that stays inside the root even with
	// O_NOFOLLOW: refuse a link by what Lstat says first (a link swapped in
	// after this still cannot lead outside the root, and must be a regular
	// file).
	if e, err := d.lstatNoFollow(r); err != nil {
		return nil, err
	} else if !e.Mode.IsRegular() {
		return nil, notRegularError(r, e.Mode)
	}
	f, err := d.root.OpenFile(rel(r), os.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, pathError("open", r, err)
	}
	if err := mustBeRegular(f, r); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// pathError words a file system error the way imageFS does, with the image
// path, so that findings quoting it read the same in every form.
func pathError(op, p string, err error) error {
	var errno syscall.Errno
	switch {
	case errors.Is(err, fs.ErrNotExist):
		err = fs.ErrNotExist
	case errors.As(err, &errno) && errno == syscall.ENOTDIR:
		err = errNotDir
	case errors.As(err, &errno) && errno == syscall.ELOOP:
		err = errors.New("a symbolic link where a regular file or directory is expected")
	case errors.As(err, &errno):
		err = errno
	}
	return &fs.PathError{Op: op, Path: p, Err: err}
}

func entryFromInfo(p string, fi fs.FileInfo) Entry {
	e := Entry{Path: p, Mode: fi.Mode()}
	if fi.Mode().IsRegular() {
		e.Size = fi.Size()
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		e.UID, e.GID = int(st.Uid), int(st.Gid)
	}
	return e
}

// Walk reads the tree with a pool of workers, one directory at a time each:
// getdents on the directory, fstatat on every name, and a pread of the first
// bytes of regular files when heads are wanted. Directories wait on a shared
// stack, so memory grows with the number of directories not yet read, not
// with the size of the tree. Workers are started as directories wait for
// them, up to the limit: a tree of a few directories is read by one or two.
func (d *dirFS) Walk(fn WalkFunc, o WalkOptions) error {
	workers := o.Workers
	if workers <= 0 {
		workers = 2 * runtime.GOMAXPROCS(0)
		if workers < 4 {
			workers = 4
		}
	}
	rootfd, err := unix.Open(d.dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &fs.PathError{Op: "open", Path: d.dir, Err: err}
	}
	defer unix.Close(rootfd)
	w := &walker{rootfd: rootfd, fn: fn, head: o.Head, ctx: d.ctx, heads: d.heads, max: workers}
	w.cond = sync.NewCond(&w.mu)
	top := walkDir{path: "."}
	if d.heads != nil {
		var st unix.Stat_t
		if err := unix.Fstat(rootfd, &st); err != nil {
			return &fs.PathError{Op: "stat", Path: d.dir, Err: err}
		}
		top.dev = st.Dev
	}
	w.stack = []walkDir{top}
	w.mu.Lock()
	w.startWorker()
	w.mu.Unlock()
	w.wg.Wait()
	return w.err
}

// walker is the shared state of one parallel Walk.
type walker struct {
	ctx    context.Context
	rootfd int
	fn     WalkFunc
	head   bool
	heads  *mappedHeads
	max    int // workers at most
	wg     sync.WaitGroup

	mu      sync.Mutex
	cond    *sync.Cond
	stack   []walkDir // directories to read
	started int       // workers started
	busy    int       // workers reading a directory
	err     error
	stopped bool
}

// walkDir is a directory to read, relative to rootfd, and its device.
type walkDir struct {
	path string
	dev  uint64
}

// startWorker starts one more worker; w.mu is held.
func (w *walker) startWorker() {
	w.started++
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		w.work()
	}()
}

// direntBufSize is the getdents buffer of each worker. It is a variable so
// that the buffer is allocated on the heap, where getdents touches only the
// pages it fills, rather than in a 64 KiB stack frame zeroed (and its stack
// grown) on every worker's start.
var direntBufSize = 64 << 10

// walkBufs are one worker's buffers, allocated when first needed: the
// inode buffer only on an ext4 partition read from its image.
type walkBufs struct {
	head, inode, dents []byte
}

func (b *walkBufs) inodeBuf() []byte {
	if b.inode == nil {
		b.inode = make([]byte, ext4MaxInodeRead)
	}
	return b.inode
}

func (w *walker) work() {
	bufs := walkBufs{head: make([]byte, HeadSize), dents: make([]byte, direntBufSize)}
	for {
		w.mu.Lock()
		for len(w.stack) == 0 && w.busy > 0 && !w.stopped {
			w.cond.Wait()
		}
		if len(w.stack) == 0 || w.stopped {
			w.stopped = true
			w.cond.Broadcast()
			w.mu.Unlock()
			return
		}
		dir := w.stack[len(w.stack)-1]
		w.stack = w.stack[:len(w.stack)-1]
		w.busy++
		w.mu.Unlock()

		subdirs, err := w.readDir(dir, &bufs)
		if err == nil {
			err = w.ctx.Err()
		}

		w.mu.Lock()
		w.busy--
		if err != nil && w.err == nil {
			w.err = err
			w.stopped = true
		}
		w.stack = append(w.stack, subdirs...)
		// Directories beyond what the workers not reading one (this one
		// included) will take start workers.
		for !w.stopped && len(w.stack) > w.started-w.busy && w.started < w.max {
			w.startWorker()
		}
		w.cond.Broadcast()
		w.mu.Unlock()
	}
}

// readDir reports every entry of one directory and returns its
// subdirectories.
func (w *walker) readDir(wd walkDir, bufs *walkBufs) ([]walkDir, error) {
	dir := wd.path
	fd, err := unix.Openat(w.rootfd, dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: imagePath(dir), Err: err}
	}
	defer unix.Close(fd)
	ents, err := readDirents(fd, bufs.dents)
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: imagePath(dir), Err: err}
	}
	inodes := w.heads.ext4(wd.dev)
	var subdirs []walkDir
	for _, d := range ents {
		name := d.name
		if inodes != nil && d.typ != unix.DT_DIR {
			r := path.Join(dir, name)
			e := Entry{Path: imagePath(r)}
			head, needHead, needLink, ok := inodes.entry(d.ino, d.typ, &e, w.head, bufs.inodeBuf(), bufs.head)
			if ok {
				w.heads.inodes.Add(1)
				if needLink {
					e.Link = readlinkat(fd, name, int(e.Size))
					e.Size = int64(len(e.Link))
				}
				if needHead {
					head = w.readHead(fd, name, wd.dev, e.Size, bufs.head)
				} else if head != nil {
					w.heads.mapped.Add(1)
				}
				if err := w.fn(e, head); err != nil {
					return nil, err
				}
				continue
			}
		}
		var st unix.Stat_t
		if err := unix.Fstatat(fd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			if errors.Is(err, unix.ENOENT) {
				continue // removed while walking
			}
			return nil, &fs.PathError{Op: "lstat", Path: imagePath(path.Join(dir, name)), Err: err}
		}
		r := path.Join(dir, name)
		e := Entry{Path: imagePath(r), Mode: modeFromUnix(st.Mode), UID: int(st.Uid), GID: int(st.Gid)}
		var head []byte
		switch {
		case e.Mode.IsDir():
			subdirs = append(subdirs, walkDir{r, st.Dev})
		case e.Mode&fs.ModeSymlink != 0:
			e.Link = readlinkat(fd, name, int(st.Size))
			e.Size = int64(len(e.Link))
		case e.Mode.IsRegular():
			e.Size = st.Size
			if w.head && st.Size > 0 {
				head = w.readHead(fd, name, st.Dev, st.Size, bufs.head)
			}
		}
		if err := w.fn(e, head); err != nil {
			return nil, err
		}
	}
	return subdirs, nil
}

func imagePath(r string) string {
	if r == "." {
		return "/"
	}
	return "/" + r
}

// dirent is one directory entry as getdents gives it.
type dirent struct {
	name string
	ino  uint64
	typ  uint8 // DT_*
}

// readDirents lists a directory with getdents64, skipping "." and "..".
func readDirents(fd int, buf []byte) ([]dirent, error) {
	var ents []dirent
	for {
		n, err := unix.ReadDirent(fd, buf)
		if err != nil {
			return nil, err
		}
		if n <= 0 {
			return ents, nil
		}
		ents = parseDirents(buf[:n], ents)
	}
}

// parseDirents appends the entries of a getdents64 buffer (struct
// linux_dirent64: d_ino, d_off, d_reclen, d_type, the name and a NUL).
func parseDirents(b []byte, ents []dirent) []dirent {
	for len(b) >= 19 {
		reclen := int(binary.NativeEndian.Uint16(b[16:]))
		if reclen < 19 || reclen > len(b) {
			break
		}
		rec := b[:reclen]
		b = b[reclen:]
		name := rec[19:]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		ino := binary.NativeEndian.Uint64(rec[0:])
		if ino == 0 || len(name) == 0 || string(name) == "." || string(name) == ".." { // no file, or the directory's own
			continue
		}
		ents = append(ents, dirent{name: string(name), ino: ino, typ: rec[18]})
	}
	return ents
}

func readlinkat(dirfd int, name string, size int) string {
	if size <= 0 || size > 4096 {
		size = 4096
	}
	b := make([]byte, size+1)
	n, err := unix.Readlinkat(dirfd, name, b)
	if err != nil || n < 0 {
		return ""
	}
	return string(b[:n])
}

func (w *walker) readHead(dirfd int, name string, dev uint64, size int64, buf []byte) []byte {
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil
	}
	defer unix.Close(fd)
	if w.heads != nil {
		if h, ok := w.heads.head(dev, fd, size, buf); ok {
			return h
		}
	}
	n, err := unix.Pread(fd, buf, 0)
	if err != nil || n <= 0 {
		return nil
	}
	return buf[:n]
}

// modeFromUnix converts st_mode to fs.FileMode (as os.FileInfo does).
func modeFromUnix(m uint32) fs.FileMode {
	mode := fs.FileMode(m & 0o777)
	switch m & unix.S_IFMT {
	case unix.S_IFBLK:
		mode |= fs.ModeDevice
	case unix.S_IFCHR:
		mode |= fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFDIR:
		mode |= fs.ModeDir
	case unix.S_IFIFO:
		mode |= fs.ModeNamedPipe
	case unix.S_IFLNK:
		mode |= fs.ModeSymlink
	case unix.S_IFSOCK:
		mode |= fs.ModeSocket
	}
	if m&unix.S_ISUID != 0 {
		mode |= fs.ModeSetuid
	}
	if m&unix.S_ISGID != 0 {
		mode |= fs.ModeSetgid
	}
	if m&unix.S_ISVTX != 0 {
		mode |= fs.ModeSticky
	}
	return mode
}
