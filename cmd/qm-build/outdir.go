package main

import (
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/qm-build/qm-build/rootfs/atomic"
	"github.com/qm-build/qm-build/stages"
	"github.com/qm-build/qm-build/stages/build"
)

// The output directories of `build --out` and `rpm --out` are replaced as a
// whole (rootfs/atomic.Dir): written into a hidden staging directory beside
// them and swapped into place at the end. An existing one must hold only what
// qm-build writes there, so that a mistyped --out never deletes someone's
// files, and a symlink in its place (or in the place of an entry) is refused.

// buildOutOwned reports whether an entry of an existing `build --out`
// directory is one the build writes: tree/, rpms/, repo/, selinux/ (real
// directories), check.json, blueprint.toml and manifest-*.json (regular
// files).
func buildOutOwned(e fs.DirEntry) bool {
	name := e.Name()
	switch {
	case e.IsDir():
		return name == buildTreeDir || name == build.RPMsDir || name == build.RepoDir || name == stages.SELinuxDir
	case e.Type().IsRegular():
		return name == build.CheckReport || name == build.BlueprintFile || name == build.SBOMFile ||
			strings.HasPrefix(name, "manifest-") && strings.HasSuffix(name, ".json")
	}
	return false
}

// buildTreeDir is the image tree's directory under OUT.
const buildTreeDir = "tree"

// rpmOutOwned reports whether an entry of an existing `rpm --out` directory
// is a package qm-build writes: a regular file qm-*.rpm (qm and its
// drop-ins) or osbuild-stage-qm-*.rpm (`qm-build osbuild-stage rpm`).
func rpmOutOwned(e fs.DirEntry) bool {
	name := e.Name()
	return e.Type().IsRegular() && strings.HasSuffix(name, ".rpm") &&
		(strings.HasPrefix(name, "qm-") || strings.HasPrefix(name, "osbuild-stage-qm-"))
}

// newOutDir starts replacing the directory a flag names. Refusals are bad
// input naming the flag.
func newOutDir(flag, dir string, owned func(fs.DirEntry) bool, epoch time.Time) (*atomic.Dir, error) {
	if dir == "" {
		return nil, usageErrorf("%s: the path is empty", flag)
	}
	d, err := atomic.NewDir(dir, atomic.DirOptions{Owned: owned, Epoch: epoch})
	if err != nil {
		return nil, fmt.Errorf("%s %w", flag, err)
	}
	return d, nil
}
