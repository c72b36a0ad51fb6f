package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/pflag"

	"github.com/qm-build/qm-build/cmd/internal/cli"
	"github.com/qm-build/qm-build/rootfs/atomic"
)

// Exit statuses shared by every command (cmd/internal/cli).
const (
	exitOK       = cli.ExitOK
	exitFailure  = cli.ExitFailure
	exitBadInput = cli.ExitBadInput
)

// env is everything a command may touch outside its arguments. Tests build
// their own; main builds the real one.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	// environ is the environment programs qm-build runs inherit.
	environ []string
	// tty reports whether stderr is a terminal; progress is shown only then.
	tty bool
	// verb is the command's -q/--quiet and -v/--verbose (newFlags registers
	// them on every flag set).
	verb cli.Verbosity
	// flagSink, when set, receives every flag set newFlags makes, with its
	// usage text (flagSets collects them for completion and the docs).
	flagSink func(fs *pflag.FlagSet, usage string)
}

func newEnv() *env {
	return &env{
		stdin:   os.Stdin,
		stdout:  os.Stdout,
		stderr:  os.Stderr,
		getenv:  os.Getenv,
		environ: os.Environ(),
		tty:     isTerminal(os.Stderr),
	}
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// progress writes a status line to stderr: transient on a terminal, a line
// of its own under --verbose, nothing under --quiet (cli.Verbosity).
func (e *env) progress(format string, args ...any) {
	e.verb.Progress(e.stderr, e.tty, format, args...)
}

// progressDone clears the status line.
func (e *env) progressDone() { e.verb.ProgressDone(e.stderr, e.tty) }

// sourceDateEpoch returns SOURCE_DATE_EPOCH (cli.SourceDateEpoch).
func (e *env) sourceDateEpoch() (time.Time, error) { return cli.SourceDateEpoch(e.getenv) }

// cacheDir is where builds keep results between runs (cli.CacheDir).
func (e *env) cacheDir() string { return cli.CacheDir(e.getenv) }

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
	// subcommands are the names run takes as its first argument, each with
	// a flag set of its own (the docs and man pages list them).
	subcommands []string
}

func usageErrorf(format string, args ...any) error { return cli.UsageErrorf(format, args...) }

// findingsError means the command worked and found problems (exit 1, no extra
// message beyond what the command already printed).
type findingsError struct{ n int }

func (f *findingsError) Error() string { return fmt.Sprintf("%d finding(s)", f.n) }

func exitCode(err error) int { return cli.ExitCode(err) }

// run dispatches args to a command and maps its error to an exit status.
func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		if len(args) > 1 && args[0] == "help" {
			return run(ctx, e, []string{args[1], "--help"})
		}
		printUsage(e.stdout)
		if len(args) == 0 {
			return exitBadInput
		}
		return exitOK
	}
	if args[0] == "--version" || args[0] == "version" {
		fmt.Fprintf(e.stdout, "qm-build %s (commit %s)\n", toolVersion, toolCommit)
		return exitOK
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		// Under --quiet the command's notes and warnings are dropped; its
		// error still goes to stderr.
		stderr := e.stderr
		e.stderr = e.verb.NotesWriter(stderr)
		err := c.run(ctx, e, args[1:])
		e.stderr = stderr
		if err == nil {
			e.verb.Done(stderr, "qm-build "+c.name)
		}
		if errors.Is(err, pflag.ErrHelp) {
			return exitOK
		}
		var fe *findingsError
		if errors.As(err, &fe) {
			return exitFailure
		}
		var es *exitStatus
		if errors.As(err, &es) {
			return es.code
		}
		if err = interruption(ctx, err); err != nil {
			fmt.Fprintf(e.stderr, "qm-build %s: %v\n", c.name, err)
		}
		return exitStatusOf(err)
	}
	fmt.Fprintf(e.stderr, "qm-build: unknown command %q (see qm-build --help)\n", args[0])
	return exitBadInput
}

func printUsage(w io.Writer) {
	fmt.Fprintf(w, "qm-build %s: QM artifacts at OS-image build time\n\nUsage:\n  qm-build COMMAND [flags]\n\nCommands:\n", toolVersion)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-14s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "\nRun 'qm-build COMMAND --help' for a command's flags. 'qm-build --version' prints the version.\n")
	fmt.Fprint(w, "\n'qm-build manifest' (and the manifest stage of 'qm-build build') runs qm-build-manifest,\n"+
		"the one program that links osbuild/images; 'qm-build publish --oci' runs qm-build-publish,\n"+
		"the one that links the registry client. Both are looked up beside this executable, then on PATH.\n"+
		"The osbuild stage is the program org.osbuild.qm (see 'qm-build osbuild-stage --help').\n")
}

// newFlags returns a flag set for a command (cli.NewFlags) with the flags
// every command has, -q/--quiet and -v/--verbose; deprecated spellings
// (cli.Alias) say so on stderr.
func newFlags(e *env, name, usage string) *pflag.FlagSet {
	fs := cli.NewFlags(e.stdout, name, usage)
	fs.SetOutput(e.stderr)
	e.verb.Register(fs)
	if e.flagSink != nil {
		e.flagSink(fs, usage)
	}
	return fs
}

func parseFlags(fs *pflag.FlagSet, args []string) error { return cli.ParseFlags(fs, args) }

func outputFormat(v string, allowed ...string) error { return cli.OutputFormat(v, allowed...) }

func writeJSON(w io.Writer, v any) error { return cli.WriteJSON(w, v) }

// writeFileAtomic writes data to name through a temporary file beside it,
// so a reader never sees half a file.
func writeFileAtomic(name string, data []byte) error {
	return atomic.WritePath(name, data, 0o644)
}
