package main

import (
	"bytes"
	"context"

	"github.com/qm-build/qm-build/rpmspec"
)

func cmdSpec(ctx context.Context, e *env, args []string) error {
	var pf planFlags
	fs := newFlags(e, "spec", `qm-build spec [--dropin NAME[,NAME...]|all]... [--dropin-dir DIR]... [--out FILE]

Renders the same packages as 'qm-build rpm' as ONE self-contained spec (qm
plus a %package -n qm-NAME per drop-in). 'rpmbuild -bb qm.spec' needs no
other file. Prints to stdout unless --out is given.`)
	pf.PackageFlags(fs)
	out := fs.String("out", "-", "file to write the spec to (atomically); - is stdout")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q (see --help)", fs.Arg(0))
	}
	b, err := composePackages(ctx, e, &pf)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := rpmspec.Spec(&buf, b.Content.Packages); err != nil {
		return err
	}
	if *out == "-" {
		_, err := e.stdout.Write(buf.Bytes())
		return err
	}
	return writeFileAtomic(*out, buf.Bytes())
}
