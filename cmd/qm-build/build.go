package main

import (
	"context"
	"fmt"
	"github.com/qm-build/qm-build/cmd/internal/cli"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/stages"
	"github.com/qm-build/qm-build/stages/build"
)

const buildUsage = `qm-build build [--out OUT] [--dropin NAME[,NAME...]|all]... [options] [--output text|json]
       qm-build build --list-stages

Runs every stage in order: the packages into OUT/rpms/, and everything an
image gets from QM (the packages' payload and the files the stages write)
into OUT/tree/. With no flags it builds the qm package on embedded defaults,
offline.

OUT is replaced as a whole: the build writes a complete new OUT into a hidden
directory beside it (.OUT.qm-build-XXXXXXXXXXXX) and swaps it into place at
the end, so nothing of an earlier run survives, and a failed or interrupted
build leaves OUT as it was. An existing OUT must hold only what the build
writes (tree/, rpms/, repo/, selinux/, check.json, blueprint.toml,
manifest-*.json); a symlink as OUT or in place of one of those is refused.
SOURCE_DATE_EPOCH, when set, makes OUT byte-reproducible, down to the time of
every file, directory and symlink.

Exit status: 0 success; 1 the build failed, or the tree fails the build's own
check (OUT is written, with check.json); 2 bad input, such as a device the
check forbids (--device /dev/mem), refused before anything is written.`

func cmdBuild(ctx context.Context, e *env, args []string) error {
	var pf planFlags
	fs := newFlags(e, "build", buildUsage)
	out := cli.OutFlag(fs, "./out", "output directory")
	output := fs.String("output", "text", "summary format: text or json")
	list := fs.Bool("list-stages", false, "print the pipeline (each stage, what it reads and writes) and exit")
	lock := fs.String("packages-lock", "", "package lock for the manifest stage (see qm-build manifest --write-lock); default $"+build.PackagesLockEnv)
	pf.AllFlags(fs)
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
		return printStages(e.stdout, build.Stages())
	}
	plan, err := pf.Plan(e.getenv)
	if err != nil {
		return err
	}
	o, err := newOutDir("--out", *out, buildOutOwned, plan.Epoch)
	if err != nil {
		return err
	}
	defer o.Abort()
	t, err := rootfs.OpenTree(filepath.Join(o.Path(), buildTreeDir), rootfs.TreeOptions{Epoch: plan.Epoch, Create: true})
	if err != nil {
		return err
	}
	defer t.Close()
	b := &stages.Build{Plan: plan, Tree: t, OutDir: o.Path(), OutPath: *out, Epoch: plan.Epoch, Log: e.stderr, Env: e.getenv, CacheDir: e.cacheDir(),
		PackagesLock: *lock, DropinDirs: pf.DropinDirs, ManifestBinary: manifestBinary(e)}
	if b.Facts.HookProgram, err = pf.HookProgram(); err != nil {
		return err
	}
	err = stages.Run(ctx, b, build.Stages(), stageProgress(e))
	e.progressDone()
	if err != nil {
		return err
	}
	if err := o.Commit(); err != nil {
		return err
	}
	if err := printSummary(e, *output, summaryOf(b, *out, filepath.Join(*out, buildTreeDir))); err != nil {
		return err
	}
	if len(b.Failures) > 0 {
		for _, f := range b.Failures {
			fmt.Fprintf(e.stderr, "qm-build build: %s (see %s)\n", f, filepath.Join(*out, build.CheckReport))
		}
		return &findingsError{n: len(b.Failures)}
	}
	return nil
}

// stageProgress shows "[i/n] stage" on a terminal.
func stageProgress(e *env) stages.Progress {
	return func(i, n int, name string) { e.progress("[%d/%d] %s", i, n, name) }
}

// summary is what build and rootfs print.
type summary struct {
	Out       string            `json:"out,omitempty"`
	Tree      string            `json:"tree"`
	Dropins   []string          `json:"dropins"`
	Stages    []string          `json:"stages"`
	Artifacts []stages.Artifact `json:"artifacts"`
	Notes     []string          `json:"notes"`
}

func summaryOf(b *stages.Build, out, tree string) summary {
	s := summary{Out: out, Tree: tree, Dropins: b.Plan.DropinNames(), Artifacts: b.Artifacts, Notes: b.Notes}
	if s.Dropins == nil {
		s.Dropins = []string{}
	}
	if s.Notes == nil {
		s.Notes = []string{}
	}
	seen := map[string]bool{}
	for _, a := range b.Artifacts {
		if !seen[a.Stage] {
			seen[a.Stage] = true
			s.Stages = append(s.Stages, a.Stage)
		}
	}
	return s
}

func printSummary(e *env, format string, s summary) error {
	if format == "json" {
		return writeJSON(e.stdout, s)
	}
	w := e.stdout
	if s.Out != "" {
		fmt.Fprintf(w, "qm-build wrote %s\n", s.Out)
	}
	if len(s.Dropins) > 0 {
		fmt.Fprintf(w, "  drop-ins: %s\n", strings.Join(s.Dropins, ", "))
	}
	counts := map[string]int{}
	var bytes = map[string]int64{}
	var other []stages.Artifact
	for _, a := range s.Artifacts {
		if a.Kind == "tree" {
			counts[a.Stage]++
			bytes[a.Stage] += a.Size
			continue
		}
		other = append(other, a)
	}
	for _, a := range other {
		fmt.Fprintf(w, "  %-14s %s\n", a.Stage, filepath.Join(s.Out, a.Path))
	}
	names := make([]string, 0, len(counts))
	for n := range counts {
		names = append(names, n)
	}
	sort.SliceStable(names, func(i, j int) bool { return stageIndex(s.Stages, names[i]) < stageIndex(s.Stages, names[j]) })
	fmt.Fprintf(w, "  tree %s:\n", s.Tree)
	for _, n := range names {
		fmt.Fprintf(w, "    %-14s %3d files, %d bytes\n", n, counts[n], bytes[n])
	}
	for _, n := range s.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	return nil
}

func stageIndex(list []string, name string) int {
	for i, n := range list {
		if n == name {
			return i
		}
	}
	return len(list)
}

// printStages prints a pipeline: one stage a line, with what it reads and
// writes.
func printStages(w io.Writer, list []stages.Stage) error {
	for i, s := range list {
		fmt.Fprintf(w, "%2d. %-16s reads %s\n", i+1, s.Name, strings.Join(s.Reads, ", "))
		for _, wr := range s.Writes {
			fmt.Fprintf(w, "    %-16s writes %s\n", "", wr)
		}
	}
	return nil
}

// openExistingTree opens --root for commands that write into an image tree
// the user owns: it must exist already.
func openExistingTree(dir string, plan *rootfs.Plan) (*rootfs.Tree, error) {
	if dir == "" {
		return nil, usageErrorf("--root is required (the image tree to write into)")
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil, usageErrorf("--root %s: not a directory", dir)
	}
	return rootfs.OpenTree(dir, rootfs.TreeOptions{Epoch: plan.Epoch})
}
