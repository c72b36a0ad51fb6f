package main

import (
	"bytes"
	"context"
	"github.com/qm-build/qm-build/cmd/internal/cli"

	"github.com/qm-build/qm-build/stages/check"
	"github.com/qm-build/qm-build/stages/check/target"
)

func cmdCheck(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "check", `qm-build check TARGET [--arch x86_64|aarch64] [--profile default|strict]
               [--allow FILE] [--output text|json|sarif|html] [--keyring FILE]
  qm-build check --list-rules [--output text|json]

Checks a finished image offline for QM's freedom-from-interference promises.
TARGET is one of these forms; a bare path is recognised by what it holds:
`+target.Usage()+`Every image form gives the same findings as the same tree given as a directory.
Image blobs are verified against their digests and sizes; symbolic links are
resolved inside the image as the kernel resolves them (docs/check-targets.md).
Exit status: 0 no finding at the failing severity, 1 findings, 2 the target
(or a flag, or the allow file or keyring) could not be read; 130 and 143 when
SIGINT or SIGTERM interrupted the check.`)
	arch := fs.String("arch", "", "architecture every ELF file must have: x86_64 or aarch64 (default: what the image records, else its majority)")
	profile := fs.String("profile", "default", "failing severity: default (errors) or strict (errors and warnings)")
	allow := fs.String("allow", "", "allow file declaring what the image may have beyond QM's defaults (see docs/check.md)")
	output := fs.String("output", "text", "report format: text, json, sarif, or html (one self-contained page for safety assessors)")
	keyring := fs.String("keyring", "", "OpenPGP public keys (armored or binary) the packages' signatures must verify against")
	listRules := fs.Bool("list-rules", false, "list the rules and exit")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *listRules {
		if err := outputFormat(*output, "text", "json"); err != nil {
			return err
		}
		return check.WriteRules(e.stdout, check.Rules(), *output == "json")
	}
	if fs.NArg() != 1 {
		return usageErrorf("want exactly one TARGET, got %d (see --help)", fs.NArg())
	}
	if err := outputFormat(*output, "text", "json", "sarif", "html"); err != nil {
		return err
	}
	o, err := checkOptions(*arch, *profile, *allow, *keyring)
	if err != nil {
		return err
	}
	e.progress("reading %s", fs.Arg(0))
	t, err := target.OpenContext(ctx, fs.Arg(0), target.Options{Arch: o.Arch, Progress: func(s string) { e.progress("reading %s: %s", fs.Arg(0), s) }})
	if err != nil {
		e.progressDone()
		return err
	}
	defer t.Close()
	e.progress("checking %s", fs.Arg(0))
	r, err := check.Run(ctx, t, o)
	e.progressDone()
	if err != nil {
		return err
	}
	switch *output {
	case "json":
		err = check.WriteJSON(e.stdout, r)
	case "sarif":
		err = check.WriteSARIF(e.stdout, r, check.Rules(), toolVersion)
	case "html":
		err = check.WriteHTML(e.stdout, r, check.Rules(), toolVersion)
	default:
		err = check.WriteText(e.stdout, r)
	}
	if err != nil {
		return err
	}
	if r.Failed() {
		return &findingsError{n: len(r.Errors) + len(r.Warnings)}
	}
	return nil
}

// Bounds of the files check's flags name: an allow file is a few lines, a
// keyring a few keys.
const (
	maxAllowFile = 1 << 20
	maxKeyring   = 16 << 20
)

// checkOptions turns the flags into check.Options, reading the allow file and
// the keyring (regular files only, opened without blocking and read up to a
// bound: a FIFO or a device is refused at once); every problem is bad input
// naming its flag.
func checkOptions(arch, profile, allowFile, keyringFile string) (check.Options, error) {
	var o check.Options
	switch arch {
	case "", "x86_64", "aarch64":
		o.Arch = arch
	default:
		return o, usageErrorf("--arch %q: want x86_64 or aarch64", arch)
	}
	p, err := check.ParseProfile(profile)
	if err != nil {
		return o, usageErrorf("--profile: %v", err)
	}
	o.Profile = p
	if allowFile != "" {
		data, err := cli.ReadInput(allowFile, maxAllowFile)
		if err != nil {
			return o, usageErrorf("--allow: %v", err)
		}
		if o.Policy, err = check.ParseAllow(bytes.NewReader(data), allowFile); err != nil {
			return o, err
		}
	}
	if keyringFile != "" {
		data, err := cli.ReadInput(keyringFile, maxKeyring)
		if err != nil {
			return o, usageErrorf("--keyring: %v", err)
		}
		if o.Keyring, err = check.LoadKeyring(bytes.NewReader(data), keyringFile); err != nil {
			return o, err
		}
	}
	return o, nil
}
