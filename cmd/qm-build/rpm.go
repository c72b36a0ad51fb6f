package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/qm-build/qm-build/cmd/internal/cli"
	"github.com/qm-build/qm-build/rpmspec/rpm"
	"github.com/qm-build/qm-build/rpmspec/sign"
	"github.com/qm-build/qm-build/stages"
	"github.com/qm-build/qm-build/stages/build"
)

func cmdRPM(ctx context.Context, e *env, args []string) error {
	var pf planFlags
	fs := newFlags(e, "rpm", `qm-build rpm [--dropin NAME[,NAME...]|all]... [--dropin-dir DIR]... [--out DIR]
               [--compress zstd|xz|gzip] [--sign-key FILE] [--output text|json]

Writes the qm package and the chosen drop-ins as noarch RPMs, one file per
package, each written to a temporary file and renamed into place.
SOURCE_DATE_EPOCH, when set, is the build time and every file's time.`)
	pf.PackageFlags(fs)
	out := fs.String("out", "./out/rpms", "output directory")
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
	files, err := build.WriteRPMs(ctx, b, *out, o, func(name string) {
		e.progress("wrote %s", name)
		written()
	})
	e.progressDone()
	if err != nil {
		return err
	}
	if *output == "json" {
		return writeJSON(e.stdout, b.Artifacts)
	}
	for _, f := range files {
		fmt.Fprintln(e.stdout, f)
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
	return stages.ComposePackages(ctx, plan, stages.RootfsRun{Log: e.stderr, Env: e.getenv, CacheDir: e.cacheDir()})
}

func loadSignKey(name string) (*sign.Key, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, usageErrorf("--sign-key: %v", err)
	}
	defer f.Close()
	return sign.LoadKey(io.Reader(f), name)
}
