// Command qm-build-publish pushes for `qm-build publish --oci`: it is a
// program of its own because it is the one part of qm-build that links
// go-containerregistry, net/http and the docker credential helpers (package
// stages/publish/oci). qm-build checks the flags, the inputs and the
// reference itself, then runs it, found beside the qm-build executable,
// else on PATH, so that no other command pays for the registry client at
// start-up.
//
// Usage:
//
//	qm-build-publish request    an ociref.Request (JSON) on stdin; the
//	                            ociref.Result (JSON) on stdout
//
// Errors are one line on stderr, named after the command the user typed,
// `qm-build publish`. Exit status: 0 success, 1 failure, 2 bad input.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/qm-build/qm-build/cmd/internal/cli"
	"github.com/qm-build/qm-build/rpmspec/input"
	"github.com/qm-build/qm-build/stages/publish/oci"
	"github.com/qm-build/qm-build/stages/publish/ociref"
)

// toolVersion is the tool's own version, set with -ldflags "-X main.toolVersion=…".
var toolVersion = "0.0.0-dev"

// toolCommit is the commit it was built from, set with -ldflags "-X main.toolCommit=…".
var toolCommit = "unknown"

func main() {
	cli.Main(ociref.Binary, nil, func(ctx context.Context) int {
		return run(ctx, os.Stdin, os.Stdout, os.Stderr, os.Args[1:])
	})
}

// errUsage is any other invocation than `request`.
var errUsage = errors.New("give `request` and an OCI push request (JSON) on stdin; `qm-build publish --oci` runs this program (see qm-build publish --help)")

// run runs one request and maps its error to an exit status.
func run(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer, args []string) int {
	var err error
	switch {
	case len(args) == 1 && (args[0] == "--version" || args[0] == "version"):
		fmt.Fprintf(stdout, "%s %s (commit %s)\n", ociref.Binary, toolVersion, toolCommit)
		return cli.ExitOK
	case len(args) == 1 && (args[0] == "--help" || args[0] == "-h"):
		fmt.Fprintf(stdout, "Usage:\n  %s request < REQUEST.json\n\n%s\n", ociref.Binary, errUsage)
		return cli.ExitOK
	case len(args) == 1 && args[0] == "request":
		err = push(ctx, stdin, stdout)
	default:
		err = cli.UsageErrorf("%v", errUsage)
	}
	if err != nil {
		fmt.Fprintf(stderr, "qm-build publish: %v\n", err)
	}
	return cli.ExitCode(err)
}

// push reads the request and the RPMs it names, pushes them and writes the
// result.
func push(ctx context.Context, stdin io.Reader, stdout io.Writer) error {
	var req ociref.Request
	dec := json.NewDecoder(stdin)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return fmt.Errorf("reading the publish request: %w", err)
	}
	if _, err := oci.ParseRef(req.Ref, req.Insecure); err != nil {
		return err
	}
	ins := make([]oci.Input, 0, len(req.Paths))
	for _, p := range req.Paths {
		data, err := input.ReadFile(p, ociref.MaxPackageFile)
		if err != nil {
			return cli.UsageErrorf("%v", err)
		}
		ins = append(ins, oci.Input{Path: p, Data: data})
	}
	res, err := oci.Push(ctx, req.Ref, ins, oci.Options{Insecure: req.Insecure, Repodata: req.Repodata, Time: req.Time})
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(res)
}
