package osbuildstage

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
)

// DefaultLibDir is osbuild's library directory on a host.
const DefaultLibDir = "/usr/lib/osbuild"

// StagesDir is where osbuild looks stages up, relative to the library
// directory.
const StagesDir = "stages"

// StagePath and MetaPath are the installed files' paths on a host, as the
// osbuild-stage-qm RPM ships them.
const (
	StagePath = DefaultLibDir + "/" + StagesDir + "/" + StageName
	MetaPath  = DefaultLibDir + "/" + StagesDir + "/" + MetaFileName
)

// Install puts the stage into an osbuild library directory:
// <libdir>/stages/org.osbuild.qm (the binary read from exe, mode 0755) and
// <libdir>/stages/org.osbuild.qm.meta.json (mode 0644). libdir must exist
// (it is osbuild's); stages/ is created when missing. Each file is written
// beside its target under a temporary name and renamed into place through
// os.Root, so osbuild never sees half a stage. It returns the paths written.
func Install(libdir string, exe io.Reader) ([]string, error) {
	fi, err := os.Stat(libdir)
	if err != nil || !fi.IsDir() {
		return nil, &LibDirError{Dir: libdir}
	}
	r, err := os.OpenRoot(libdir)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", libdir, err)
	}
	defer r.Close()
	if err := r.MkdirAll(StagesDir, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s/%s: %w", libdir, StagesDir, err)
	}
	stage := path.Join(StagesDir, StageName)
	meta := path.Join(StagesDir, MetaFileName)
	if err := writeAtomic(r, meta, 0o644, bytes.NewReader(metaJSON)); err != nil {
		return nil, fmt.Errorf("installing %s/%s: %w", libdir, meta, err)
	}
	if err := writeAtomic(r, stage, 0o755, exe); err != nil {
		return nil, fmt.Errorf("installing %s/%s: %w", libdir, stage, err)
	}
	return []string{path.Join(libdir, stage), path.Join(libdir, meta)}, nil
}

// LibDirError is an osbuild library directory that does not exist. It is
// bad input.
type LibDirError struct{ Dir string }

func (e *LibDirError) Error() string {
	return fmt.Sprintf("%s is not a directory: is osbuild installed? (--libdir names another library directory)", e.Dir)
}

func (e *LibDirError) BadInput() bool { return true }

// writeAtomic copies src to name in r: a temporary sibling first, then a
// rename, removing the temporary file on any error.
func writeAtomic(r *os.Root, name string, mode fs.FileMode, src io.Reader) error {
	var b [6]byte
	_, _ = rand.Read(b[:])
	tmp := path.Join(path.Dir(name), "."+path.Base(name)+".qm-build-"+hex.EncodeToString(b[:]))
	f, err := r.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			_ = r.Remove(tmp)
		}
	}()
	if _, err := io.Copy(f, src); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := r.Chmod(tmp, mode); err != nil {
		return err
	}
	if err := r.Rename(tmp, name); err != nil {
		return err
	}
	ok = true
	return nil
}
