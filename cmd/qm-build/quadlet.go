package main

import (
	"context"
	"fmt"

	"github.com/qm-build/qm-build/rootfs/quadlet"
	"github.com/qm-build/qm-build/rootfs/unitfile"
	"github.com/qm-build/qm-build/stages"
)

const quadletUsage = `qm-build quadlet [--dropin NAME[,NAME...]|all]... [options] [--root DIR] [--merged]

Prints QM's quadlet as the build writes it: the packaged qm.container, then
each drop-in of /etc/containers/systemd/qm.container.d/ in the order quadlet
applies them, each under a "# PATH" line. With --merged it prints the
effective unit instead (the drop-ins applied). --root reads the target tree's
facts (time zone, host BlueChi name) as 'qm-build rootfs' would; nothing is
written.`

func cmdQuadlet(ctx context.Context, e *env, args []string) error {
	var pf planFlags
	fs := newFlags(e, "quadlet", quadletUsage)
	root := fs.String("root", "", "read facts from this image tree (optional)")
	merged := fs.Bool("merged", false, "print the effective unit with the drop-ins applied")
	pf.packageFlags(fs)
	pf.containerFlags(fs)
	pf.bluechiFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q (see --help)", fs.Arg(0))
	}
	b, err := composeOnly(ctx, e, &pf, *root)
	if err != nil {
		return err
	}
	base, dropins, err := b.Content.QuadletUnits()
	if err != nil {
		return err
	}
	if *merged {
		fmt.Fprintf(e.stdout, "# effective %s with %d drop-in(s)\n", quadlet.Path, len(dropins))
		_, err := e.stdout.Write(unitfile.Merge(base, dropins...).Bytes())
		return err
	}
	for i, f := range append([]*unitfile.File{base}, dropins...) {
		if i > 0 {
			fmt.Fprintln(e.stdout)
		}
		fmt.Fprintf(e.stdout, "# %s\n", f.Name)
		if _, err := e.stdout.Write(f.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

// composeOnly runs the facts (from root, when given) and compose stages,
// writing nothing.
func composeOnly(ctx context.Context, e *env, pf *planFlags, root string) (*stages.Build, error) {
	plan, err := pf.plan(e)
	if err != nil {
		return nil, err
	}
	b := &stages.Build{Plan: plan, Epoch: plan.Epoch, Log: e.stderr, Env: e.getenv, CacheDir: e.cacheDir()}
	if b.Facts.HookProgram, err = pf.hookProgram(); err != nil {
		return nil, err
	}
	if root != "" {
		t, err := openExistingTree(root, plan)
		if err != nil {
			return nil, err
		}
		defer t.Close()
		b.Tree = t
	}
	if err := stages.Run(ctx, b, []stages.Stage{stages.Facts, stages.Compose}, nil); err != nil {
		return nil, err
	}
	return b, nil
}
