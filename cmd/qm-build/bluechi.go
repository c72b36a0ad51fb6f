package main

import (
	"context"
	"fmt"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rootfs/bluechi"
	"github.com/qm-build/qm-build/rootfs/quadlet"
	"github.com/qm-build/qm-build/rpmspec"
)

const bluechiUsage = `qm-build bluechi [--hostname NAME] [--controller-host HOST [--controller-port PORT] | --controller-socket] [--root DIR]

Prints the configuration of QM's own BlueChi agent as the build writes it
(/etc/qm/bluechi/agent.conf.d/agent.conf; inside QM
/etc/bluechi/agent.conf.d/agent.conf), and with --controller-socket the
quadlet drop-in that mounts the controller's socket into QM. What the
controller must allow goes to stderr. --root takes the host agent's NodeName
from that image tree.`

func cmdBluechi(ctx context.Context, e *env, args []string) error {
	var pf planFlags
	fs := newFlags(e, "bluechi", bluechiUsage)
	root := fs.String("root", "", "read the host agent's NodeName from this image tree (optional)")
	pf.BluechiFlags(fs)
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
	o := rootfs.BlueChiOptions(b.Plan, b.Facts)
	fmt.Fprintf(e.stdout, "# %s\n", bluechi.QMConf)
	if _, err := e.stdout.Write(bluechi.AgentConf(o).Bytes()); err != nil {
		return err
	}
	if o.ControllerSocket {
		fmt.Fprintf(e.stdout, "\n# %s/%s\n", rpmspec.QuadletDropinDir, quadlet.BlueChiSocketDropinName)
		if _, err := e.stdout.Write(quadlet.BlueChiSocketDropin().Bytes()); err != nil {
			return err
		}
	}
	for _, n := range bluechi.Notes(o) {
		fmt.Fprintf(e.stderr, "note: %s\n", n)
	}
	return nil
}
