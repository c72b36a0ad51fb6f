package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/qm-build/qm-build/blueprints/qmstage"
	"github.com/qm-build/qm-build/cmd/internal/cli"
	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/rpmspec/rpm"
	"github.com/qm-build/qm-build/stages/osbuildstage"
)

// osbuildStageName is the osbuild stage's type name, and the name of its
// program (cmd/org.osbuild.qm).
const osbuildStageName = qmstage.StageName

const osbuildStageUsage = `qm-build osbuild-stage SUBCOMMAND [flags]

Subcommands:
  install [--libdir DIR]     install stages/org.osbuild.qm (the stage program) and its .meta.json
  schema                     print org.osbuild.qm.meta.json (the stage's option schema)
  options [plan flags]       print an org.osbuild.qm stage object for a manifest
  rpm --out DIR              package the stage as the osbuild-stage-qm RPM

osbuild runs the stage: the program org.osbuild.qm (built beside qm-build by
make build), which reads /run/osbuild/api/arguments and writes QM's content
into the tree. install and rpm take it from --binary, else from beside this
executable, else from PATH.`

func cmdOsbuildStage(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "install":
			return cmdOsbuildStageInstall(e, args[1:])
		case "schema":
			return cmdOsbuildStageSchema(e, args[1:])
		case "options":
			return cmdOsbuildStageOptions(e, args[1:])
		case "rpm":
			return cmdOsbuildStageRPM(ctx, e, args[1:])
		}
	}
	fs := newFlags(e, "osbuild-stage", osbuildStageUsage)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageErrorf("missing subcommand: install, schema, options or rpm (see --help)")
	}
	return usageErrorf("unknown subcommand %q: want install, schema, options or rpm (see --help)", fs.Arg(0))
}

func cmdOsbuildStageInstall(e *env, args []string) error {
	fs := newFlags(e, "osbuild-stage install", "qm-build osbuild-stage install [--libdir DIR] [--binary PATH]")
	libdir := fs.String("libdir", osbuildstage.DefaultLibDir, "osbuild's library directory; the stage goes to LIBDIR/stages/")
	binary := fs.String("binary", "", "the org.osbuild.qm program to install (default: beside qm-build, else on PATH)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q (see --help)", fs.Arg(0))
	}
	if fi, err := os.Stat(*libdir); err != nil || !fi.IsDir() {
		return osbuildstage.LibDirError(*libdir)
	}
	exe, err := stageBinary(e, *binary)
	if err != nil {
		return err
	}
	defer exe.Close()
	written, err := osbuildstage.Install(*libdir, exe)
	if err != nil {
		return err
	}
	for _, w := range written {
		fmt.Fprintln(e.stdout, w)
	}
	return nil
}

// stageBinary opens the stage program to install or package: --binary, or
// org.osbuild.qm beside this executable, else on PATH.
func stageBinary(e *env, path string) (*os.File, error) {
	if path == "" {
		path = cli.FindBinary(osbuildStageName, e.getenv)
		if path == "" {
			return nil, fmt.Errorf("%s is not installed beside qm-build or on PATH: build it (make build) or give --binary", osbuildStageName)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, usageErrorf("--binary %s: %v", path, err)
	}
	return f, nil
}

func cmdOsbuildStageSchema(e *env, args []string) error {
	fs := newFlags(e, "osbuild-stage schema", "qm-build osbuild-stage schema")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q (see --help)", fs.Arg(0))
	}
	_, err := e.stdout.Write(qmstage.MetaJSON())
	return err
}

func cmdOsbuildStageOptions(e *env, args []string) error {
	fs := newFlags(e, "osbuild-stage options", "qm-build osbuild-stage options [--dropin …] [options]\n\nPrints {\"type\": \"org.osbuild.qm\", \"options\": …} for the flags, as `qm-build manifest --qm-stage` puts it in a manifest.")
	var pf planFlags
	pf.AllFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q (see --help)", fs.Arg(0))
	}
	p, err := pf.Plan(e.getenv)
	if err != nil {
		return err
	}
	if err := qmstage.BuiltinOnly(p); err != nil {
		return err
	}
	return writeJSON(e.stdout, struct {
		Type    string         `json:"type"`
		Options rootfs.Options `json:"options"`
	}{osbuildStageName, qmstage.OptionsFromPlan(p)})
}

func cmdOsbuildStageRPM(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "osbuild-stage rpm", "qm-build osbuild-stage rpm --out DIR [--binary PATH] [--pkg-version V] [--pkg-release R]")
	out := cli.OutFlag(fs, "", "directory to write the osbuild-stage-qm RPM to (required)")
	binary := fs.String("binary", "", "the org.osbuild.qm program to package (default: beside qm-build, else on PATH)")
	version := fs.String("pkg-version", osbuildstage.PackageVersion(toolVersion), "package version (default: qm-build's version)")
	release := fs.String("pkg-release", rpmspec.DefaultRelease, "package release")
	cli.Alias(fs, "release", "pkg-release")
	compress := fs.String("compress", "", "payload compression: zstd (default), xz or gzip")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usageErrorf("--out is required (see --help)")
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q (see --help)", fs.Arg(0))
	}
	var errs rpmspec.Errors
	for _, v := range []struct{ flag, v string }{{"--pkg-version", *version}, {"--pkg-release", *release}} {
		if err := rpmspec.ValidateVersion(v.flag, v.v); err != nil {
			errs = append(errs, rpmspec.AsErrors(err)...)
		}
	}
	if err := errs.Err(); err != nil {
		return err
	}
	f, err := stageBinary(e, *binary)
	if err != nil {
		return err
	}
	exe, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("reading %s: %w", f.Name(), err)
	}
	pkg, err := osbuildstage.RPMPackage(exe, *version, *release)
	if err != nil {
		return err
	}
	epoch, err := e.sourceDateEpoch()
	if err != nil {
		return err
	}
	e.progress("writing %s", pkg.FileName())
	names, err := rpm.WriteDirContext(ctx, *out, []*rpmspec.Package{pkg}, rpm.Options{
		Compressor: *compress,
		BuildTime:  epoch,
		SourceRPM:  fmt.Sprintf("qm-build-%s.src.rpm", pkg.EVR()),
	}, nil)
	e.progressDone()
	if err != nil {
		return err
	}
	for _, n := range names {
		fmt.Fprintln(e.stdout, filepath.Join(*out, n))
	}
	return nil
}
