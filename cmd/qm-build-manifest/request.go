package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/qm-build/qm-build/blueprints/manifest"
	"github.com/qm-build/qm-build/cmd/internal/cli"
	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rootfs/atomic"
	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/rpmspec/input"
	"github.com/qm-build/qm-build/stages/build"
)

// cmdRequest serves the manifest stage of `qm-build build`: a
// build.ManifestRequest on stdin, the manifest written to its Out. The plan
// and the content are made again from the request's options and facts,
// exactly as the build made them.
func cmdRequest(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 {
		return cli.UsageErrorf("request: unexpected argument %q (the request is JSON on stdin)", args[0])
	}
	var req build.ManifestRequest
	dec := json.NewDecoder(e.stdin)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return fmt.Errorf("reading the manifest request: %w", err)
	}
	cat, err := rpmspec.Builtin()
	if err != nil {
		return err
	}
	for _, d := range req.DropinDirs {
		if _, err := cat.AddDir(input.DirFS(d), strings.TrimSuffix(d, "/")); err != nil {
			return err
		}
	}
	if req.Epoch != 0 {
		req.Options.Epoch = time.Unix(req.Epoch, 0).UTC()
	}
	plan, err := rootfs.NewPlan(req.Options, cat)
	if err != nil {
		return rootfs.Spell(err, rootfs.FlagSpelling)
	}
	c, err := rootfs.Compose(plan, req.Facts)
	if err != nil {
		return err
	}
	m, err := manifest.New(manifest.Options{Content: c})
	if err != nil {
		return err
	}
	lock, err := readLock(req.PackagesLock, "reading packages lock: ")
	if err != nil {
		return err
	}
	own, err := ownPackages(c, req.RPMs, req.RPMsURL)
	if err != nil {
		return err
	}
	data, err := m.Serialize(lock, own...)
	if err != nil {
		return err
	}
	return atomic.WritePath(req.Out, data, 0o644)
}
