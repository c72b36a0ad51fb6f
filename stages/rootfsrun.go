package stages

import (
	"context"
	"io"

	"github.com/qm-build/qm-build/rootfs"
)

// RootfsRun configures WriteRootfs and RunRootfs.
type RootfsRun struct {
	// Log receives warnings (nil: discarded).
	Log io.Writer
	// Progress, when set, is told when each stage starts.
	Progress Progress
	// CacheDir keeps results between builds (Build.CacheDir); "" means none.
	CacheDir string
	// HookProgram is the OCI hook program of the hook package
	// (rootfs.Facts.HookProgram); nil leaves that package out.
	HookProgram []byte
}

// WriteRootfs runs RootfsStages for p into the open tree t: it reads the
// tree's facts, composes the content and writes it, ending with the
// finish-tree stage. It returns the finished Build (content, artifacts,
// notes). The org.osbuild.qm stage and `qm-build rootfs` both call it.
func WriteRootfs(ctx context.Context, t *rootfs.Tree, p *rootfs.Plan, o RootfsRun) (*Build, error) {
	b := &Build{Plan: p, Tree: t, Epoch: p.Epoch, Log: o.Log, CacheDir: o.CacheDir}
	b.Facts.HookProgram = o.HookProgram
	if err := Run(ctx, b, RootfsStages(), o.Progress); err != nil {
		return b, err
	}
	return b, nil
}

// RunRootfs opens dir, an existing image tree, and runs WriteRootfs into it.
// A dir that does not exist or is no directory is bad input.
func RunRootfs(ctx context.Context, dir string, p *rootfs.Plan, o RootfsRun) (*Build, error) {
	t, err := rootfs.OpenTree(dir, rootfs.TreeOptions{Epoch: p.Epoch})
	if err != nil {
		return nil, err
	}
	defer t.Close()
	return WriteRootfs(ctx, t, p, o)
}
