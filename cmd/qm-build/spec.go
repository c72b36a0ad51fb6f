package main

import (
	"bytes"
	"context"
	"fmt"
	"github.com/qm-build/qm-build/cmd/internal/cli"

	"github.com/qm-build/qm-build/rpmspec"
)

func cmdSpec(ctx context.Context, e *env, args []string) error {
	var pf planFlags
	fs := newFlags(e, "spec", `qm-build spec [--dropin NAME[,NAME...]|all]... [--dropin-dir DIR]... [--out FILE]

Renders the same packages as 'qm-build rpm' as ONE self-contained spec (qm
plus a %package -n qm-NAME per drop-in). 'rpmbuild -bb qm.spec' needs no
other file. Prints to stdout unless --out is given.`)
	pf.PackageFlags(fs)
	out := cli.OutFlag(fs, "-", "file to write the spec to (atomically); - is stdout")
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
	// One spec builds one architecture: the noarch packages go in, a
	// package built per architecture (qm-oci-hooks) is left out, with a note.
	var pkgs []*rpmspec.Package
	for _, p := range b.Content.Packages {
		if p.Arch != "noarch" {
			fmt.Fprintf(e.stderr, "note: %s is built for %s, not in the noarch spec; qm-build rpm --hook-binary writes it\n", p.Name, p.Arch)
			continue
		}
		pkgs = append(pkgs, p)
	}
	var buf bytes.Buffer
	if err := rpmspec.Spec(&buf, pkgs); err != nil {
		return err
	}
	if *out == "-" {
		_, err := e.stdout.Write(buf.Bytes())
		return err
	}
	return writeFileAtomic(*out, buf.Bytes())
}
