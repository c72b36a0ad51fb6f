// Package atomic writes files so that nobody ever sees half of one: each file
// is written under a hidden temporary name beside its target and renamed over
// it only when complete, and removed on any error. Every write goes through an
// os.Root, so neither a ".." path nor a planted symlink can escape the
// directory it was opened on (the habit of go-containerregistry's
// layout/write.go).
//
// It is the one implementation of that pattern in qm-build: rootfs.Tree, the
// RPM and repodata writers, the build stages and the CLI all use it. Dir is
// the same pattern for a whole directory (`build --out`, `rpm --out`): staged
// beside its place and swapped in with renameat2(2) RENAME_EXCHANGE. SetTimes
// sets times without following symlinks (SOURCE_DATE_EPOCH on links too).
// Temporary names have one exact form (TempName), so that a later run removes
// what a killed one left and nothing else.
package atomic

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// marker is part of every temporary name: ".NAME.qm-build-" and 12
// lower-case hex digits (6 random bytes).
const (
	marker    = ".qm-build-"
	randBytes = 6
)

// TempName returns a hidden sibling of name (a root-relative path), unique per
// call: ".BASE.qm-build-XXXXXXXXXXXX".
func TempName(name string) string {
	var b [randBytes]byte
	_, _ = rand.Read(b[:])
	return path.Join(path.Dir(name), "."+path.Base(name)+marker+hex.EncodeToString(b[:]))
}

// IsTemp reports whether a base name is one of this package's temporary
// names (TempName's exact form, nothing looser), so that a later run may
// remove what a killed one left, and never a file of someone else's.
func IsTemp(base string) bool {
	_, ok := tempOf(base)
	return ok
}

// IsTempOf reports whether base is a temporary name TempName made for name.
func IsTempOf(base, name string) bool {
	n, ok := tempOf(base)
	return ok && n == name
}

// tempOf returns the name a temporary name was made for.
func tempOf(base string) (string, bool) {
	i := strings.LastIndex(base, marker)
	if i < 2 || base[0] != '.' || strings.Contains(base, "/") {
		return "", false
	}
	suffix := base[i+len(marker):]
	if len(suffix) != 2*randBytes || strings.Trim(suffix, "0123456789abcdef") != "" {
		return "", false
	}
	return base[1:i], true
}

// File is a regular file being written under a temporary name. Write to it,
// set its owner and mode through the embedded *os.File (fchown, fchmod), then
// Commit; Abort (safe to defer) removes it unless it was committed.
type File struct {
	*os.File
	root   *os.Root
	name   string
	tmp    string
	closed bool
	done   bool
}

// Create starts writing name, a path relative to root. The temporary file is
// created exclusively with mode 0600 and locked until it is committed or
// aborted (see SweepStale).
func Create(root *os.Root, name string) (*File, error) {
	tmp := TempName(name)
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	if err := lock(f); err != nil {
		f.Close()
		_ = root.Remove(tmp)
		return nil, err
	}
	return &File{File: f, root: root, name: name, tmp: tmp}, nil
}

// Commit closes the file, sets its modification time when mtime is not zero,
// and renames it over the target. On error the temporary file is removed.
func (f *File) Commit(mtime time.Time) error {
	if f.done {
		return fmt.Errorf("committing %s: already finished", f.name)
	}
	err := f.close()
	if err == nil && !mtime.IsZero() {
		err = f.root.Chtimes(f.tmp, mtime, mtime)
	}
	if err == nil {
		err = f.root.Rename(f.tmp, f.name)
	}
	if err != nil {
		f.Abort()
		return err
	}
	f.done = true
	return nil
}

// Abort closes and removes the temporary file; after Commit it does nothing.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	_ = f.close()
	_ = f.root.Remove(f.tmp)
}

func (f *File) close() error {
	if f.closed {
		return nil
	}
	f.closed = true
	return f.File.Close()
}

// WriteFile writes data to name inside root with the given mode, atomically.
// First it removes what killed runs left beside name (SweepStale).
func WriteFile(root *os.Root, name string, data []byte, mode fs.FileMode) error {
	if _, err := SweepStale(root, name); err != nil {
		return err
	}
	f, err := Create(root, name)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Chmod(mode); err != nil {
		return err
	}
	return f.Commit(time.Time{})
}

// WriteFileIn writes data to name inside the existing directory dir (opened
// as an os.Root), atomically. Errors name dir/name.
func WriteFileIn(dir, name string, data []byte, mode fs.FileMode) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("writing %s: %w", filepath.Join(dir, name), err)
	}
	defer root.Close()
	if err := WriteFile(root, name, data, mode); err != nil {
		return fmt.Errorf("writing %s: %w", filepath.Join(dir, name), err)
	}
	return nil
}

// WritePath writes data to the file at p (any path a user gave), atomically,
// through an os.Root opened on p's directory.
func WritePath(p string, data []byte, mode fs.FileMode) error {
	return WriteFileIn(filepath.Dir(p), filepath.Base(p), data, mode)
}
