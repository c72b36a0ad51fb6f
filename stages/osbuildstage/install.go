package osbuildstage

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"time"

	"github.com/qm-build/qm-build/blueprints/qmstage"
	"github.com/qm-build/qm-build/rootfs/atomic"
	"github.com/qm-build/qm-build/rpmspec"
)

// DefaultLibDir is osbuild's library directory on a host.
const DefaultLibDir = "/usr/lib/osbuild"

// StagesDir is where osbuild looks stages up, relative to the library
// directory.
const StagesDir = "stages"

// StagePath and MetaPath are the installed files' paths on a host, as the
// osbuild-stage-qm RPM ships them.
const (
	StagePath = DefaultLibDir + "/" + StagesDir + "/" + qmstage.StageName
	MetaPath  = DefaultLibDir + "/" + StagesDir + "/" + qmstage.MetaFileName
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
		return nil, LibDirError(libdir)
	}
	r, err := os.OpenRoot(libdir)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", libdir, err)
	}
	defer r.Close()
	if err := r.MkdirAll(StagesDir, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s/%s: %w", libdir, StagesDir, err)
	}
	stage := path.Join(StagesDir, qmstage.StageName)
	meta := path.Join(StagesDir, qmstage.MetaFileName)
	if err := writeAtomic(r, meta, 0o644, bytes.NewReader(qmstage.MetaJSON())); err != nil {
		return nil, fmt.Errorf("installing %s/%s: %w", libdir, meta, err)
	}
	if err := writeAtomic(r, stage, 0o755, exe); err != nil {
		return nil, fmt.Errorf("installing %s/%s: %w", libdir, stage, err)
	}
	return []string{path.Join(libdir, stage), path.Join(libdir, meta)}, nil
}

// LibDirError is an osbuild library directory that does not exist: bad
// input.
func LibDirError(dir string) error {
	return rpmspec.Invalid("%s is not a directory: is osbuild installed? (--libdir names another library directory)", dir)
}

// writeAtomic copies src to name in r with the given mode, atomically.
func writeAtomic(r *os.Root, name string, mode fs.FileMode, src io.Reader) error {
	f, err := atomic.Create(r, name)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := io.Copy(f, src); err != nil {
		return err
	}
	if err := f.Chmod(mode); err != nil {
		return err
	}
	return f.Commit(time.Time{})
}
