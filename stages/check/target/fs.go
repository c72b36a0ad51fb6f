package target

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
)

// Entry is one file of an image, as its metadata says.
type Entry struct {
	Path string      // absolute, clean image path, e.g. /etc/qm
	Mode fs.FileMode // type and permission bits, with fs.ModeSetuid, fs.ModeSetgid, fs.ModeSticky
	UID  int
	GID  int
	Size int64 // a regular file's size; a symbolic link's target length; 0 otherwise
	// Link is a symlink's target as written.
	Link string
	// Label is the SELinux label (the security.selinux extended attribute) when
	// the target carries labels and Lstat read it; "" otherwise. Walk leaves it
	// empty.
	Label string
}

// HeadSize is how many leading bytes of each regular file Walk passes on when
// asked: enough for a 64-bit ELF header (debug/elf.Header64 is 64 bytes).
const HeadSize = 64

// WalkFunc receives every entry of an image but the root directory. head holds
// up to HeadSize leading bytes of a regular file when WalkOptions.Head is set,
// and is only valid during the call. A WalkFunc may be called from several
// goroutines at once.
type WalkFunc func(e Entry, head []byte) error

// WalkOptions tune Walk.
type WalkOptions struct {
	// Head asks for the leading bytes of regular files.
	Head bool
	// Workers bounds the parallelism (0: the implementation's default).
	Workers int
}

// FS is the read-only view of an image that every image target provides. Paths
// are absolute image paths. Every component of a path but the last is
// resolved inside the image as the kernel resolves it in a chroot of the
// image (see Resolve); Lstat and Open do not follow a final symbolic link,
// ReadDir does (as opendir does). ReadFile and Resolve in this package follow
// every link, inside the image.
type FS interface {
	// Lstat describes one path.
	Lstat(p string) (Entry, error)
	// ReadDir lists a directory, sorted by name.
	ReadDir(p string) ([]Entry, error)
	// Open opens a regular file for reading.
	Open(p string) (io.ReadCloser, error)
	// Walk calls fn for every entry of the image, in no particular order.
	Walk(fn WalkFunc, o WalkOptions) error
	// Close releases the image and removes its temporary files.
	Close() error
}

// MaxReadFile bounds ReadFile: the configuration files the checker reads are
// small, and a huge file is not what a rule expects.
const MaxReadFile = 64 << 20

// maxLinks bounds symlink resolution (Linux's MAXSYMLINKS is 40).
const maxLinks = 40

// ErrLoop is returned when a path has too many levels of symbolic links.
var ErrLoop = errors.New("too many levels of symbolic links")

// Resolve follows the symbolic links of p inside the image, as the kernel
// does when the image is the root directory (chroot semantics: ".." stops at
// the root, absolute link targets start at the image root, at most 40 links).
// The result names an existing entry, or the error says which component is
// missing.
func Resolve(fsys FS, p string) (string, error) {
	p, err := Clean(p)
	if err != nil {
		return "", err
	}
	lstat := noFollow(fsys)
	links := 0
	done := "/"
	rest := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for len(rest) > 0 {
		name := rest[0]
		rest = rest[1:]
		switch name {
		case "", ".":
			continue
		case "..":
			done = path.Dir(done)
			continue
		}
		next := path.Join(done, name)
		e, err := lstat(next)
		if err != nil {
			return "", err
		}
		if e.Mode&fs.ModeSymlink == 0 {
			done = next
			continue
		}
		links++
		if links > maxLinks {
			return "", &fs.PathError{Op: "resolve", Path: p, Err: ErrLoop}
		}
		target := e.Link
		if strings.HasPrefix(target, "/") {
			done = "/"
		}
		rest = append(strings.Split(target, "/"), rest...)
	}
	return done, nil
}

// resolveParent resolves every component of p but the last, which it keeps
// as named: the path Lstat describes.
func resolveParent(fsys FS, p string) (string, error) {
	c, err := Clean(p)
	if err != nil {
		return "", err
	}
	if c == "/" {
		return c, nil
	}
	d, err := Resolve(fsys, path.Dir(c))
	if err != nil {
		return "", err
	}
	return path.Join(d, path.Base(c)), nil
}

// noFollower is implemented by the FSes of this package: an Lstat that
// follows no link at all, on paths whose parents are already resolved.
type noFollower interface {
	lstatNoFollow(p string) (Entry, error)
}

func noFollow(fsys FS) func(string) (Entry, error) {
	if nf, ok := fsys.(noFollower); ok {
		return nf.lstatNoFollow
	}
	return fsys.Lstat
}

// ReadFile reads a regular file of the image, following symbolic links inside
// it. A missing file gives an error satisfying errors.Is(err, fs.ErrNotExist).
func ReadFile(fsys FS, p string) ([]byte, error) {
	r, err := Resolve(fsys, p)
	if err != nil {
		return nil, err
	}
	e, err := fsys.Lstat(r)
	if err != nil {
		return nil, err
	}
	if !e.Mode.IsRegular() {
		return nil, &fs.PathError{Op: "read", Path: p, Err: fmt.Errorf("not a regular file (%s)", e.Mode.Type())}
	}
	if e.Size > MaxReadFile {
		return nil, &fs.PathError{Op: "read", Path: p, Err: fmt.Errorf("larger than %d bytes", MaxReadFile)}
	}
	f, err := fsys.Open(r)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, MaxReadFile))
}

// Exists reports whether p names an entry (without following a final link).
func Exists(fsys FS, p string) bool {
	_, err := fsys.Lstat(p)
	return err == nil
}

// Clean turns p into an absolute, clean image path. It rejects paths that
// climb above the root, which no image path may do.
func Clean(p string) (string, error) {
	if p == "" {
		return "", &fs.PathError{Op: "clean", Path: p, Err: fs.ErrInvalid}
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	c := path.Clean(p)
	for _, part := range strings.Split(p, "/") {
		if part == ".." {
			return "", &fs.PathError{Op: "clean", Path: p, Err: errors.New("path climbs with '..'")}
		}
	}
	return c, nil
}

// rel turns an image path into a name relative to the image root ("." for
// the root itself).
func rel(p string) string {
	r := strings.TrimPrefix(path.Clean("/"+p), "/")
	if r == "" {
		return "."
	}
	return r
}
