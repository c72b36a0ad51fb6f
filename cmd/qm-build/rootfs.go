package main

import (
	"context"

	"github.com/qm-build/qm-build/stages"
)

const rootfsUsage = `qm-build rootfs --root DIR [--dropin NAME[,NAME...]|all]... [options] [--output text|json]

Writes QM's content into the existing image tree DIR: the payload of the qm
package and the chosen drop-ins, QM's rootfs skeleton, /etc/qm, /var/qm, the
quadlet drop-ins, QM's BlueChi agent and the seccomp profile. It reads the
host BlueChi agent's NodeName, /etc/localtime and
/usr/share/containers/seccomp.json from DIR.

Every write stays inside DIR (a symlink pointing out of it is refused). The
whole plan is checked against DIR before the first write, and written through
a hidden staging directory and renames, so a failure leaves DIR as it was.
DIR/usr/share/qm/qm-build.manifest records what it wrote; a later run removes
the files and directories it created that its plan no longer has (when
unchanged since), and never touches files it did not write, so that DIR ends
as the last plan alone would leave it. Running it again changes nothing.
SOURCE_DATE_EPOCH, when set, is the time of every path it writes and of every
directory on the way to one, DIR included.`

func cmdRootfs(ctx context.Context, e *env, args []string) error {
	var pf planFlags
	fs := newFlags(e, "rootfs", rootfsUsage)
	root := fs.String("root", "", "the image tree to write into (must exist)")
	output := fs.String("output", "text", "summary format: text or json")
	list := fs.Bool("list-stages", false, "print the pipeline and exit")
	pf.allFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q (see --help)", fs.Arg(0))
	}
	if err := outputFormat(*output, "text", "json"); err != nil {
		return err
	}
	if *list {
		return printStages(e.stdout, stages.RootfsStages())
	}
	plan, err := pf.plan(e)
	if err != nil {
		return err
	}
	hook, err := pf.hookProgram()
	if err != nil {
		return err
	}
	t, err := openExistingTree(*root, plan)
	if err != nil {
		return err
	}
	defer t.Close()
	b, err := stages.WriteRootfs(ctx, t, plan, stages.RootfsRun{Log: e.stderr, Progress: stageProgress(e), CacheDir: e.cacheDir(), HookProgram: hook})
	e.progressDone()
	if err != nil {
		return err
	}
	return printSummary(e, *output, summaryOf(b, "", *root))
}
