package rpmspec

import (
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// FileKind says what a File entry is.
type FileKind int

const (
	KindFile    FileKind = iota // a regular file with Body
	KindDir                     // a directory (%dir)
	KindSymlink                 // a symbolic link to Target
)

func (k FileKind) String() string {
	switch k {
	case KindDir:
		return "dir"
	case KindSymlink:
		return "symlink"
	}
	return "file"
}

// FileFlags are the rpm file attributes qm-build uses (rpmfileAttrs in rpmlib's
// rpmfiles.h): %config, %config(noreplace), %ghost and %doc.
type FileFlags uint

const (
	FlagConfig    FileFlags = 1 << iota // %config
	FlagNoReplace                       // %config(noreplace); implies FlagConfig
	FlagGhost                           // %ghost: owned, not in the payload
	FlagDoc                             // %doc
)

// flagNames is the spelling of each flag in drop-in files and in JSON.
var flagNames = []struct {
	flag FileFlags
	name string
}{
	{FlagConfig, "config"},
	{FlagNoReplace, "noreplace"},
	{FlagGhost, "ghost"},
	{FlagDoc, "doc"},
}

// Strings lists the flags' names in a fixed order.
func (f FileFlags) Strings() []string {
	var out []string
	for _, fl := range flagNames {
		if f&fl.flag != 0 {
			out = append(out, fl.name)
		}
	}
	return out
}

func (f FileFlags) String() string { return strings.Join(f.Strings(), ",") }

// File is one path a package owns, or one path a stage writes.
type File struct {
	Path   string      // absolute and clean, e.g. /etc/qm/containers/containers.conf
	Kind   FileKind    //
	Mode   fs.FileMode // permission bits, including setuid/setgid/sticky; no type bits
	Owner  string      // user name; "" means root
	Group  string      // group name; "" means root
	Flags  FileFlags   //
	Body   []byte      // contents of a regular file
	Target string      // target of a symlink
	// Origin says where the declaration came from (a catalog file:line, or the
	// emitter), for error messages. It is not part of the artifact.
	Origin string
}

// OwnerName returns the owner, defaulting to root.
func (f File) OwnerName() string {
	if f.Owner == "" {
		return "root"
	}
	return f.Owner
}

// GroupName returns the group, defaulting to root.
func (f File) GroupName() string {
	if f.Group == "" {
		return "root"
	}
	return f.Group
}

// RPMMode returns the mode as rpm stores it: type bits and permissions, e.g.
// 0100644 for a regular file (rpm's FILEMODES tag, st_mode encoding).
func (f File) RPMMode() uint {
	perm := uint(PermBits(f.Mode))
	switch f.Kind {
	case KindDir:
		return 0o040000 | perm
	case KindSymlink:
		return 0o120000 | 0o777
	}
	return 0o100000 | perm
}

// OctalMode formats the permission bits as four octal digits ("0644", "4755").
func (f File) OctalMode() string {
	if f.Kind == KindSymlink {
		return "0777"
	}
	return OctalMode(f.Mode)
}

// MaxPathLen bounds a path: Linux's PATH_MAX.
const MaxPathLen = 4096

// CheckPackagePath is CheckPath for a path a package carries: also no
// longer than MaxPathLen and without control characters (a newline or a NUL
// gives a package rpm cannot load or list).
func CheckPackagePath(p string) error {
	if err := CheckPath(p); err != nil {
		return err
	}
	if len(p) > MaxPathLen {
		return fmt.Errorf("path of %d bytes is longer than %d", len(p), MaxPathLen)
	}
	if i := strings.IndexFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }); i >= 0 {
		return fmt.Errorf("path %q contains the control character %#02x (a package cannot carry it)", p, p[i])
	}
	return nil
}

// CheckPath reports whether p is an absolute, clean path without "..", the
// only form the model accepts.
func CheckPath(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("path is empty")
	case !strings.HasPrefix(p, "/"):
		return fmt.Errorf("path %q is relative; give an absolute path", p)
	case p == "/":
		return fmt.Errorf("path %q is the root directory", p)
	}
	if err := CheckLine(p); err != nil {
		return err
	}
	for _, part := range strings.Split(p[1:], "/") {
		if part == ".." {
			return fmt.Errorf("path %q has a '..' component", p)
		}
	}
	if path.Clean(p) != p {
		return fmt.Errorf("path %q is not clean (want %q)", p, path.Clean(p))
	}
	return nil
}
