package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/qm-build/qm-build/cmd/internal/cli"
	"github.com/qm-build/qm-build/rpmspec/rpm"
	"github.com/qm-build/qm-build/rpmspec/sign"
	"github.com/qm-build/qm-build/stages"
	"github.com/qm-build/qm-build/stages/build"
)

func cmdRPM(ctx context.Context, e *env, args []string) error {
	var pf planFlags
	fs := newFlags(e, "rpm", `qm-build rpm [--dropin NAME[,NAME...]|all]... [--dropin-dir DIR]... [--out DIR]
               [--hook-binary FILE] [--compress zstd|xz|gzip] [--sign-key FILE] [--output text|json]

Writes the qm package and the chosen drop-ins as RPMs, one file per
package, into DIR. They are noarch but for qm-oci-hooks, whose hook program
(--hook-binary; make hook builds it) gives it its architecture; without the
program that package is left out of "all", with a note. DIR is replaced as a
whole: the packages are written into a hidden directory beside it
(.DIR.qm-build-XXXXXXXXXXXX) that is swapped into place at the end, so DIR
holds exactly this run's packages (packages of an earlier run with another
version or other drop-ins are gone), and a failed or interrupted run leaves
DIR as it was. An existing DIR must hold only qm-*.rpm and
osbuild-stage-qm-*.rpm files; a symlink as DIR or in place of a package is
refused. SOURCE_DATE_EPOCH, when set, is the build time and the time of every
file and of DIR.`)
	pf.PackageFlags(fs)
	out := cli.OutFlag(fs, "./out/rpms", "output directory")
	compress := fs.String("compress", "zstd", "payload compression: zstd, xz or gzip")
	keyFile := fs.String("sign-key", "", "OpenPGP secret key (armored or binary, no passphrase) to sign the packages with")
	output := fs.String("output", "text", "what to print: text (one path per line) or json (paths, sizes, digests)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q (see --help)", fs.Arg(0))
	}
	if err := outputFormat(*output, "text", "json"); err != nil {
		return err
	}
	o := rpm.Options{Compressor: *compress}
	if _, err := rpm.CheckCompressor(*compress); err != nil {
		return err
	}
	if *keyFile != "" {
		k, err := loadSignKey(*keyFile)
		if err != nil {
			return err
		}
		o.Key = k
	}
	written, err := cli.StopAfter(ctx, e.getenv, "RPM") // a test hook (cli.TestHooks)
	if err != nil {
		return err
	}
	b, err := composePackages(ctx, e, &pf)
	if err != nil {
		return err
	}
	dir, err := newOutDir("--out", *out, rpmOutOwned, b.Epoch)
	if err != nil {
		return err
	}
	defer dir.Abort()
	files, err := build.WriteRPMs(ctx, b, dir.Path(), o, func(name string) {
		e.progress("wrote %s", name)
		written()
	})
	e.progressDone()
	if err != nil {
		return err
	}
	if err := dir.Commit(); err != nil {
		return err
	}
	if *output == "json" {
		return writeJSON(e.stdout, b.Artifacts)
	}
	for _, f := range files {
		fmt.Fprintln(e.stdout, filepath.Join(*out, filepath.Base(f)))
	}
	return nil
}

// composePackages runs the stages the packages depend on and returns the
// build holding their content.
func composePackages(ctx context.Context, e *env, pf *planFlags) (*stages.Build, error) {
	plan, err := pf.Plan(e.getenv)
	if err != nil {
		return nil, err
	}
	hook, err := pf.HookProgram()
	if err != nil {
		return nil, err
	}
	b, err := stages.ComposePackages(ctx, plan, stages.RootfsRun{Log: e.stderr, Env: e.getenv, CacheDir: e.cacheDir(), HookProgram: hook})
	if err != nil {
		return nil, err
	}
	for _, n := range b.Content.Skipped {
		fmt.Fprintf(e.stderr, "note: %s\n", n)
	}
	return b, nil
}

func loadSignKey(name string) (*sign.Key, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, usageErrorf("--sign-key: %v", err)
	}
	defer f.Close()
	return sign.LoadKey(io.Reader(f), name)
}
