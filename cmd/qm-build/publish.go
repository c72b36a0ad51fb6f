package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/qm-build/qm-build/cmd/internal/cli"
	"github.com/qm-build/qm-build/rpmspec/input"
	"github.com/qm-build/qm-build/stages/publish/mirror"
	"github.com/qm-build/qm-build/stages/publish/ociref"
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
		return publishOCI(ctx, e, *ociRef, paths, *insecure, *withRepodata, *output)
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

// maxPackageFile bounds an RPM given to publish (read whole into memory;
// qm-build-publish applies the same bound for --oci).
const maxPackageFile = ociref.MaxPackageFile

func readInputs(paths []string) ([]mirror.Input, error) {
	out := make([]mirror.Input, 0, len(paths))
	for _, p := range paths {
		data, err := input.ReadFile(p, maxPackageFile)
		if err != nil {
			return nil, usageErrorf("%v", err)
		}
		out = append(out, mirror.Input{Path: p, Data: data})
	}
	return out, nil
}

func publishMirror(ctx context.Context, e *env, dir string, paths []string, o mirror.Options, keyFile, output string) error {
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return usageErrorf("--mirror %s: not a directory", dir)
	}
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
		if errors.Is(err, syscall.ENOTDIR) {
			return usageErrorf("--mirror %s: %v", dir, err)
		}
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

// publishOCI checks the reference and the build time, then has
// qm-build-publish (ociref.Binary, the one program that links the registry
// client) read the RPMs and push them; its error line and exit status are
// this command's.
func publishOCI(ctx context.Context, e *env, ref string, paths []string, insecure, withRepodata bool, output string) error {
	if _, err := ociref.Check(ref); err != nil {
		return err
	}
	ro, _, err := repoOptions(e, "")
	if err != nil {
		return err
	}
	bin := cli.FindBinary(ociref.Binary, e.getenv)
	if bin == "" {
		return fmt.Errorf("%s is not installed: `qm-build publish --oci` runs it, from beside qm-build or from PATH (`make build` puts it in bin/)", ociref.Binary)
	}
	req, err := json.Marshal(ociref.Request{Ref: ref, Paths: paths, Insecure: insecure, Repodata: withRepodata, Time: ro.Time})
	if err != nil {
		return err
	}
	e.progress("pushing %d RPMs to %s", len(paths), ref)
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "request")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(req), &stdout, &stderr
	cmd.Env = e.environ
	err = cmd.Run()
	e.progressDone()
	if ctx.Err() != nil {
		return fmt.Errorf("pushing to %s: %w", ref, ctx.Err())
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() > 0 {
		return relayedError(stderr.String(), ee.ExitCode(), e.stderr)
	}
	if err != nil {
		return fmt.Errorf("running %s: %w", bin, err)
	}
	var res ociref.Result
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return fmt.Errorf("reading %s's result: %w", bin, err)
	}
	e.stderr.Write(stderr.Bytes())
	if output == "json" {
		return writeJSON(e.stdout, &res)
	}
	fmt.Fprintf(e.stdout, "%s (%d layers: %s)\n", res.Reference, len(res.Layers), strings.Join(res.Layers, ", "))
	return nil
}

// relayedError is the error of a companion program that failed with status
// code after writing stderr: its "qm-build publish: MESSAGE" (one error,
// perhaps of several lines) becomes this command's error again (printed by run, as if the command had
// failed in-process, even with --quiet); anything else is passed on as it
// is, with the status.
func relayedError(stderr string, code int, w io.Writer) error {
	msg, ok := strings.CutPrefix(stderr, "qm-build publish: ")
	msg, nl := strings.CutSuffix(msg, "\n")
	switch {
	case !ok || !nl:
	case code == cli.ExitBadInput:
		return usageErrorf("%s", msg)
	case code == cli.ExitFailure:
		return errors.New(msg)
	}
	io.WriteString(w, stderr)
	return &exitStatus{code: code}
}
