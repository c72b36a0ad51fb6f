package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/qm-build/qm-build/cmd/internal/cli"
	"github.com/qm-build/qm-build/stages/publish/mirror"
	"github.com/qm-build/qm-build/stages/publish/oci"
	"github.com/qm-build/qm-build/stages/publish/repodata"
)

func cmdPublish(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "publish", `qm-build publish --mirror ROOT --releasever RELEASE --arch ARCH[,ARCH...] [--sign-key FILE] RPM...|DIR...
  qm-build publish --oci REGISTRY/REPO:TAG [--insecure] [--with-repodata] RPM...|DIR...

--mirror places the RPMs in the CentOS Automotive SIG layout,
ROOT/RELEASE/automotive/ARCH/packages-main/Packages/<first letter>/, noarch
packages under every arch, and updates each arch's repodata; every RPM is in
place before repodata changes, and repodata is replaced in one rename.
Publishing the same RPMs again changes nothing. --oci pushes the RPMs as one
OCI artifact (one layer per RPM, annotated with its NEVRA). A DIR stands for
every *.rpm under it. SOURCE_DATE_EPOCH, when set, is the time of everything
written.`)
	mirrorRoot := fs.String("mirror", "", "publish into this mirror root")
	release := fs.String("releasever", "", "distribution release: the directory under the mirror root, e.g. 9-stream")
	cli.Alias(fs, "release", "releasever")
	arches := fs.StringSlice("arch", nil, "arches to publish, e.g. x86_64,aarch64 (repeatable)")
	keyFile := fs.String("sign-key", "", "OpenPGP secret key: sign the RPMs and each arch's repomd.xml (--mirror)")
	ociRef := fs.String("oci", "", "push to this registry reference, e.g. registry.example/qm/rpms:1.0")
	insecure := fs.Bool("insecure", false, "talk plain HTTP to the registry (--oci)")
	withRepodata := fs.Bool("with-repodata", false, "add the set's repodata to the artifact (--oci)")
	output := fs.String("output", "text", "what to print: text or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := outputFormat(*output, "text", "json"); err != nil {
		return err
	}
	if (*mirrorRoot == "") == (*ociRef == "") {
		return usageErrorf("give exactly one of --mirror and --oci (see --help)")
	}
	if fs.NArg() == 0 {
		return usageErrorf("give the RPMs or directories to publish (see --help)")
	}
	paths, err := expandInputs(fs.Args())
	if err != nil {
		return err
	}
	if *ociRef != "" {
		if *release != "" || len(*arches) > 0 || *keyFile != "" {
			return usageErrorf("--releasever, --arch and --sign-key go with --mirror, not --oci")
		}
		return publishOCI(ctx, e, *ociRef, paths, oci.Options{Insecure: *insecure, Repodata: *withRepodata}, *output)
	}
	if *insecure || *withRepodata {
		return usageErrorf("--insecure and --with-repodata go with --oci, not --mirror")
	}
	return publishMirror(ctx, e, *mirrorRoot, paths, mirror.Options{Release: *release, Arches: *arches}, *keyFile, *output)
}

// expandInputs turns the arguments into RPM file paths: a directory stands
// for every *.rpm under it (repodata and hidden entries skipped).
func expandInputs(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		fi, err := os.Stat(a)
		if err != nil {
			return nil, usageErrorf("%s: %v", a, err)
		}
		if !fi.IsDir() {
			out = append(out, a)
			continue
		}
		root, err := os.OpenRoot(a)
		if err != nil {
			return nil, fmt.Errorf("opening %s: %w", a, err)
		}
		files, err := repodata.ScanRPMs(root)
		root.Close()
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			return nil, usageErrorf("%s: no *.rpm files", a)
		}
		for _, f := range files {
			out = append(out, filepath.Join(a, filepath.FromSlash(f.Location)))
		}
	}
	return out, nil
}

func readInputs(paths []string) ([]mirror.Input, error) {
	out := make([]mirror.Input, 0, len(paths))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, usageErrorf("%s: %v", p, err)
		}
		out = append(out, mirror.Input{Path: p, Data: data})
	}
	return out, nil
}

func publishMirror(ctx context.Context, e *env, dir string, paths []string, o mirror.Options, keyFile, output string) error {
	ro, key, err := repoOptions(e, keyFile)
	if err != nil {
		return err
	}
	o.Time, o.Epoch, o.Log = ro.Time, ro.Epoch, e.stderr
	if key != nil {
		o.Signer = key
	}
	placed, err := cli.StopAfter(ctx, e.getenv, "PUBLISH") // a test hook (cli.TestHooks)
	if err != nil {
		return err
	}
	o.Placed = func(rel string) {
		e.progress("placed %s", rel)
		placed()
	}
	in, err := readInputs(paths)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("opening %s: %w", dir, err)
	}
	defer root.Close()
	res, err := mirror.Publish(ctx, root, in, o)
	e.progressDone()
	if err != nil {
		return err
	}
	if output == "json" {
		return writeJSON(e.stdout, res)
	}
	for _, r := range res.Repos {
		state := "repodata unchanged"
		if r.Repodata {
			state = "repodata written"
		}
		fmt.Fprintf(e.stdout, "%s: %d added, %d already published, %d packages, %s\n", filepath.Join(dir, r.Dir), len(r.Added), r.Unchanged, r.Packages, state)
	}
	return nil
}

func publishOCI(ctx context.Context, e *env, ref string, paths []string, o oci.Options, output string) error {
	ro, _, err := repoOptions(e, "")
	if err != nil {
		return err
	}
	o.Time = ro.Time
	in, err := readInputs(paths)
	if err != nil {
		return err
	}
	ins := make([]oci.Input, len(in))
	for i, x := range in {
		ins[i] = oci.Input{Path: x.Path, Data: x.Data}
	}
	e.progress("pushing %d RPMs to %s", len(ins), ref)
	res, err := oci.Push(ctx, ref, ins, o)
	e.progressDone()
	if err != nil {
		return err
	}
	if output == "json" {
		return writeJSON(e.stdout, res)
	}
	fmt.Fprintf(e.stdout, "%s (%d layers: %s)\n", res.Reference, len(res.Layers), strings.Join(res.Layers, ", "))
	return nil
}
