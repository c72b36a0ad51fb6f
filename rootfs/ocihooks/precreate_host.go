package ocihooks

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// DirHost is the HostFS of a directory tree: "/" for the host itself, or
// another root (a chroot, a test's fake /dev made with mknod). Paths in and
// out are absolute paths inside that root.
type DirHost string

// Glob implements HostFS.
func (h DirHost) Glob(pattern string) ([]string, error) {
	if !strings.HasPrefix(pattern, "/") {
		return nil, fmt.Errorf("pattern %q is not absolute", pattern)
	}
	matches, err := filepath.Glob(filepath.Join(string(h), filepath.FromSlash(pattern)))
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(matches))
	for _, m := range matches {
		rel, err := filepath.Rel(string(h), m)
		if err != nil {
			return nil, err
		}
		out = append(out, path.Join("/", filepath.ToSlash(rel)))
	}
	sort.Strings(out)
	return out, nil
}

// Device implements HostFS with lstat(2): the node's type, its device
// numbers, permission bits and owner.
func (h DirHost) Device(name string) (HostDevice, error) {
	fi, err := os.Lstat(filepath.Join(string(h), filepath.FromSlash(name)))
	if err != nil {
		return HostDevice{}, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return HostDevice{}, fmt.Errorf("%s: no stat data", name)
	}
	d := HostDevice{Path: name, FileMode: uint32(st.Mode), UID: st.Uid, GID: st.Gid}
	switch {
	case fi.Mode()&fs.ModeCharDevice != 0:
		d.Type = "c"
	case fi.Mode()&fs.ModeDevice != 0:
		d.Type = "b"
	default:
		return HostDevice{}, fmt.Errorf("%s: %w", name, ErrNotDevice)
	}
	rdev := uint64(st.Rdev) //nolint:unconvert // Rdev is uint32 on some architectures
	d.Major, d.Minor = int64(unix.Major(rdev)), int64(unix.Minor(rdev))
	return d, nil
}
