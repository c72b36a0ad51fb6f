package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// Exit statuses shared by every command.
const (
	exitOK       = 0
	exitFailure  = 1 // the work failed, or a check found something
	exitBadInput = 2 // flags, files or targets the user gave are wrong
)

// env is everything a command may touch outside its arguments. Tests build
// their own; main builds the real one.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	// tty reports whether stderr is a terminal; progress is shown only then.
	tty bool
}

func newEnv() *env {
	return &env{
		stdin:  os.Stdin,
		stdout: os.Stdout,
		stderr: os.Stderr,
		getenv: os.Getenv,
		tty:    isTerminal(os.Stderr),
	}
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// progress writes a transient status line to stderr, on a terminal only.
func (e *env) progress(format string, args ...any) {
	if !e.tty {
		return
	}
	fmt.Fprintf(e.stderr, "\r\033[K"+format, args...)
}

// progressDone clears the status line.
func (e *env) progressDone() {
	if e.tty {
		fmt.Fprint(e.stderr, "\r\033[K")
	}
}

// sourceDateEpoch returns SOURCE_DATE_EPOCH as a time, or the zero time when it
// is unset. A malformed value is bad input.
func (e *env) sourceDateEpoch() (time.Time, error) {
	v := strings.TrimSpace(e.getenv("SOURCE_DATE_EPOCH"))
	if v == "" {
		return time.Time{}, nil
	}
	var secs int64
	if _, err := fmt.Sscan(v, &secs); err != nil || secs < 0 || fmt.Sprint(secs) != v {
		return time.Time{}, usageErrorf("SOURCE_DATE_EPOCH=%q is not a non-negative integer", v)
	}
	return time.Unix(secs, 0).UTC(), nil
}

// cacheDir is where builds keep results between runs (compiled SELinux
// modules): $QM_BUILD_CACHE ("off" disables it), else
// $XDG_CACHE_HOME/qm-build, else $HOME/.cache/qm-build, else none.
func (e *env) cacheDir() string {
	switch v := e.getenv("QM_BUILD_CACHE"); v {
	case "off":
		return ""
	case "":
	default:
		return v
	}
	if x := e.getenv("XDG_CACHE_HOME"); x != "" {
		return filepath.Join(x, "qm-build")
	}
	if h := e.getenv("HOME"); h != "" {
		return filepath.Join(h, ".cache", "qm-build")
	}
	return ""
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

// usageError is bad input detected by the CLI itself (flags, arguments).
type usageError struct{ msg string }

func (u *usageError) Error() string  { return u.msg }
func (u *usageError) BadInput() bool { return true }

func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// badInput is implemented by every library error that is the user's fault
// (a file:line, a field, a flag value). The CLI maps it to exit status 2.
type badInput interface{ BadInput() bool }

// findingsError means the command worked and found problems (exit 1, no extra
// message beyond what the command already printed).
type findingsError struct{ n int }

func (f *findingsError) Error() string { return fmt.Sprintf("%d finding(s)", f.n) }

func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var bi badInput
	if errors.As(err, &bi) && bi.BadInput() {
		return exitBadInput
	}
	return exitFailure
}

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
		fmt.Fprintf(e.stdout, "qm-build %s\n", toolVersion)
		return exitOK
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, e, args[1:])
		if errors.Is(err, pflag.ErrHelp) {
			return exitOK
		}
		var fe *findingsError
		if errors.As(err, &fe) {
			return exitFailure
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
}

// newFlags returns a flag set for a command. usage is the synopsis line(s)
// shown by --help, before the flag list.
func newFlags(e *env, name, usage string) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SortFlags = false
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(e.stdout, "Usage:\n  %s\n\nFlags:\n%s", strings.TrimSpace(usage), fs.FlagUsages())
	}
	return fs
}

// parseFlags parses args; --help prints usage (pflag calls fs.Usage itself)
// and returns pflag.ErrHelp, a flag error becomes a usageError naming the flag.
func parseFlags(fs *pflag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if errors.Is(err, pflag.ErrHelp) {
		return pflag.ErrHelp
	}
	if err != nil {
		return usageErrorf("%v (see --help)", err)
	}
	return nil
}

// outputFormat validates an --output value against the allowed formats.
func outputFormat(v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return usageErrorf("--output %q: want one of %s", v, strings.Join(allowed, ", "))
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
