// Command qm-build-manifest is `qm-build manifest`: it writes osbuild
// manifests with QM pipelines. It is a program of its own because it is the
// one part of qm-build that links osbuild/images (about 360 modules,
// containers/image, sigstore and grpc among them); qm-build runs it for
// `qm-build manifest` and for the manifest stage of `qm-build build`, found
// beside the qm-build executable, else on PATH, so that no other command
// pays for osbuild/images at start-up.
//
// Usage:
//
//	qm-build-manifest [manifest flags]   the same as qm-build manifest
//	qm-build-manifest request            a manifest stage request (JSON) on stdin
//
// Exit status: 0 success, 1 failure, 2 bad input.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"

	"github.com/qm-build/qm-build/cmd/internal/cli"
)

// toolVersion is the tool's own version, set with -ldflags "-X main.toolVersion=…".
var toolVersion = "0.0.0-dev"

// toolCommit is the commit it was built from, set with -ldflags "-X main.toolCommit=…".
var toolCommit = "unknown"

func main() {
	cli.Main("qm-build-manifest", nil, func(ctx context.Context) int {
		return run(ctx, newEnv(), os.Args[1:])
	})
}

// env is everything the command may touch outside its arguments.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	// tty reports whether stderr is a terminal; progress is shown only then.
	tty bool
	// verb is -q/--quiet and -v/--verbose.
	verb cli.Verbosity
}

func newEnv() *env {
	fi, err := os.Stderr.Stat()
	return &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv,
		tty: err == nil && fi.Mode()&os.ModeCharDevice != 0}
}

// progress writes a status line to stderr (cli.Verbosity.Progress).
func (e *env) progress(format string, args ...any) {
	e.verb.Progress(e.stderr, e.tty, format, args...)
}

// progressDone clears the status line.
func (e *env) progressDone() { e.verb.ProgressDone(e.stderr, e.tty) }

// commonFlags adds -q/--quiet and -v/--verbose to a flag set, and has
// deprecated spellings say so on stderr.
func (e *env) commonFlags(fs *pflag.FlagSet) {
	fs.SetOutput(e.stderr)
	e.verb.Register(fs)
}

// run runs the command and maps its error to an exit status. Messages name
// the command the user typed, `qm-build manifest`.
func run(ctx context.Context, e *env, args []string) int {
	var err error
	stderr := e.stderr
	e.stderr = e.verb.NotesWriter(stderr)
	defer func() { e.stderr = stderr }()
	switch {
	case len(args) == 1 && (args[0] == "--version" || args[0] == "version"):
		fmt.Fprintf(e.stdout, "qm-build-manifest %s (commit %s)\n", toolVersion, toolCommit)
		return cli.ExitOK
	case len(args) > 0 && args[0] == "request":
		err = cmdRequest(ctx, e, args[1:])
	default:
		err = cmdManifest(ctx, e, args)
	}
	if errors.Is(err, pflag.ErrHelp) {
		return cli.ExitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "qm-build manifest: %v\n", err)
	} else {
		e.verb.Done(stderr, "qm-build manifest")
	}
	return cli.ExitCode(err)
}
