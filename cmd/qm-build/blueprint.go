package main

import (
	"bytes"
	"context"
	"github.com/qm-build/qm-build/cmd/internal/cli"
	"os"

	"github.com/qm-build/qm-build/blueprints"
)

func cmdBlueprint(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "merge" {
		return cmdBlueprintMerge(e, args[1:])
	}
	var pf planFlags
	fs := newFlags(e, "blueprint", `qm-build blueprint [--dropin NAME]... [QM options] [--name NAME] [--out FILE]
  qm-build blueprint merge BASE.toml FRAGMENT.toml... [--out FILE]

Writes a blueprint fragment (TOML) that adds QM to an image: the qm and
qm-<dropin> packages, the units QM enables, and QM's files and directories
under /etc (qm.container.d options, /etc/qm content). QM's rootfs comes from
the RPMs or the manifest (qm-build manifest): blueprints may not write /usr.
"merge" adds fragments to your blueprint: packages and services are
de-duplicated, a path written differently on both sides is an error.`)
	pf.PackageFlags(fs)
	pf.ContainerFlags(fs)
	pf.BluechiFlags(fs)
	name := fs.String("name", "qm", "the fragment's blueprint name")
	out := cli.OutFlag(fs, "", "write to FILE (atomically) instead of stdout")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q (see --help; merging is `qm-build blueprint merge`)", fs.Arg(0))
	}
	b, err := composePackages(ctx, e, &pf)
	if err != nil {
		return err
	}
	f, err := blueprints.NewFragment(b.Content, *name)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := blueprints.EncodeTOML(&buf, &f.Blueprint, f.Header("qm-build "+toolVersion)...); err != nil {
		return err
	}
	return writeOutput(e, *out, buf.Bytes())
}

func cmdBlueprintMerge(e *env, args []string) error {
	fs := newFlags(e, "blueprint merge", `qm-build blueprint merge BASE.toml FRAGMENT.toml... [--out FILE]

Adds each fragment to BASE, your blueprint, and writes the result. Your
entries stay as they are and in their order (comments are not kept).
Packages and services are de-duplicated; a path written differently by two
sources, a unit enabled by one and disabled or masked by another, or two
different pinned versions of a package are errors naming both sources.
Fragments may carry packages, services, and files or directories under /etc
only.`)
	out := cli.OutFlag(fs, "", "write to FILE (atomically) instead of stdout")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() < 2 {
		return usageErrorf("merge needs BASE.toml and at least one FRAGMENT.toml (see --help)")
	}
	var named []blueprints.Named
	for _, n := range fs.Args() {
		f, err := os.Open(n)
		if err != nil {
			return usageErrorf("%v", err)
		}
		bp, err := blueprints.ParseBlueprint(f, n)
		f.Close()
		if err != nil {
			return err
		}
		named = append(named, blueprints.Named{Name: n, Blueprint: bp})
	}
	merged, err := blueprints.Merge(named[0], named[1:]...)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := blueprints.EncodeTOML(&buf, merged); err != nil {
		return err
	}
	return writeOutput(e, *out, buf.Bytes())
}

// writeOutput writes data to stdout, or atomically to a file.
func writeOutput(e *env, out string, data []byte) error {
	if out == "" {
		_, err := e.stdout.Write(data)
		return err
	}
	return writeFileAtomic(out, data)
}
