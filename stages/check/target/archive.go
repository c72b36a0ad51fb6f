package target

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
)

// archive is an index of a tar file (an oci-archive or a docker-archive):
// where each member's data lies in the file. Members are read in place, as
// sections of the open file: nothing is unpacked to disk.
type archive struct {
	f       *os.File
	name    string
	members map[string]member // by clean relative name
	size    int64
}

type member struct {
	typ  byte
	off  int64 // data offset in the file (regular members)
	size int64
	link string // symbolic link target
}

// openArchive indexes the tar file name.
func openArchive(ctx context.Context, name string, lim Limits) (*archive, error) {
	f, err := openRegular(name)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	a := &archive{f: f, name: name, members: map[string]member{}, size: fi.Size()}
	if err := a.index(ctx, lim); err != nil {
		f.Close()
		return nil, fmt.Errorf("reading %s as a tar archive: %w", name, err)
	}
	return a, nil
}

func (a *archive) index(ctx context.Context, lim Limits) error {
	sr := io.NewSectionReader(a.f, 0, a.size)
	if err := sniffPlain(sr); err != nil {
		return err
	}
	tr := tar.NewReader(sr)
	for n := 0; ; n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if n >= lim.MaxMembers {
			return &LimitError{Limit: "MaxMembers", Value: int64(lim.MaxMembers), What: "archive members"}
		}
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			if len(a.members) == 0 {
				return errors.New("no member in it")
			}
			return nil
		}
		if err != nil {
			return err
		}
		name, err := memberName(h.Name)
		if err != nil {
			return err
		}
		if name == "" {
			continue
		}
		if _, dup := a.members[name]; dup && h.Typeflag != tar.TypeDir {
			return fmt.Errorf("member %q appears twice", h.Name)
		}
		m := member{typ: h.Typeflag, size: h.Size}
		switch h.Typeflag {
		case tar.TypeReg:
			for k := range h.PAXRecords {
				if strings.HasPrefix(k, "GNU.sparse.") {
					return fmt.Errorf("member %q is a sparse file", h.Name)
				}
			}
			if m.off, err = sr.Seek(0, io.SeekCurrent); err != nil {
				return err
			}
		case tar.TypeSymlink:
			m.link = h.Linkname
		case tar.TypeDir, tar.TypeXGlobalHeader:
			continue
		default:
			return fmt.Errorf("member %q: an image archive holds files, directories and symbolic links, not type %q", h.Name, string(h.Typeflag))
		}
		a.members[name] = m
	}
}

// sniffPlain refuses compressed archives with a hint, instead of a tar error.
func sniffPlain(r io.ReaderAt) error {
	magic := make([]byte, 4)
	n, _ := r.ReadAt(magic, 0)
	switch c := sniffCompression(magic[:n]); c {
	case compressGzip, compressZstd:
		return errors.New("it is compressed: decompress it first (skopeo and docker write plain tar archives)")
	}
	return nil
}

// memberName cleans a member name to a relative path ("" for the root); a
// name that climbs out is an error.
func memberName(name string) (string, error) {
	c := path.Clean(strings.TrimLeft(name, "/"))
	if c == ".." || strings.HasPrefix(c, "../") {
		return "", fmt.Errorf("member %q climbs out of the archive", name)
	}
	if c == "." {
		return "", nil
	}
	return c, nil
}

// open opens a regular member, following symbolic links between members
// (docker save links repeated layers) inside the archive.
func (a *archive) open(name string) (*io.SectionReader, error) {
	name, err := memberName(name)
	if err != nil {
		return nil, err
	}
	for hops := 0; ; hops++ {
		m, ok := a.members[name]
		if !ok {
			return nil, &fs.PathError{Op: "open", Path: a.name + ":" + name, Err: fs.ErrNotExist}
		}
		if m.typ == tar.TypeReg {
			return io.NewSectionReader(a.f, m.off, m.size), nil
		}
		if hops >= maxLinks {
			return nil, &fs.PathError{Op: "open", Path: a.name + ":" + name, Err: ErrLoop}
		}
		next := m.link
		if !strings.HasPrefix(next, "/") {
			next = path.Join(path.Dir(name), next)
		}
		// ".." at the archive's root stays there, as in a chroot.
		if name, err = memberName(path.Clean("/" + next)); err != nil {
			return nil, err
		}
	}
}

// has reports whether a member exists.
func (a *archive) has(name string) bool {
	_, ok := a.members[name]
	return ok
}

func (a *archive) Close() error { return a.f.Close() }
