package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// The flag conventions every qm-build command follows (docs/cli.md lists
// every flag of every command):
//
//   - -o, --out PATH: where a command writes its result (a file or a
//     directory); commands that print to stdout by default take - or nothing.
//   - --output FORMAT: how a command prints what it reports: text, json (and
//     sarif for check). Never a path.
//   - --root TREE: an image tree a command reads or writes.
//   - --pkg-version, --pkg-release: the version and release of the packages
//     a command writes; --releasever: a distribution release, as dnf says.
//   - --arch ARCH: one architecture per value; a command that handles
//     several (publish) takes the flag repeated or a comma-separated list,
//     the others refuse a list.
//   - -q, --quiet and -v, --verbose: on every command (CommonFlags).
//
// Old spellings stay as hidden aliases (Alias) that print one deprecation
// line to stderr.

// annotationCommon marks the flags every command has; --help lists them
// apart, after the command's own.
const annotationCommon = "qm-build/common"

// OutFlag registers -o/--out: where the command writes its result.
func OutFlag(fs *pflag.FlagSet, def, usage string) *string {
	return fs.StringP("out", "o", def, usage)
}

// OutputFlag registers --output: the format of what the command prints.
// The formats are listed in the flag's help; OutputFormat checks a value.
func OutputFlag(fs *pflag.FlagSet, what string, formats ...string) *string {
	return fs.String("output", formats[0], fmt.Sprintf("%s format: %s", what, strings.Join(formats, ", ")))
}

// Alias registers old as a hidden, deprecated spelling of the flag named
// now (which must be registered already): both set the same value, and
// using old prints one line to the flag set's output (stderr).
func Alias(fs *pflag.FlagSet, old, now string) {
	f := fs.Lookup(now)
	if f == nil {
		panic("cli.Alias: no flag --" + now)
	}
	fs.Var(f.Value, old, f.Usage)
	if err := fs.MarkDeprecated(old, "use --"+now+" instead"); err != nil {
		panic(err)
	}
}

// Verbosity is -q/--quiet and -v/--verbose, which every command takes.
type Verbosity struct {
	Quiet   bool
	Verbose bool
	start   time.Time
}

// Register adds -q/--quiet and -v/--verbose to fs.
func (v *Verbosity) Register(fs *pflag.FlagSet) {
	v.start = time.Now()
	fs.BoolVarP(&v.Quiet, "quiet", "q", false, "print nothing on stderr but errors: no notes, warnings or progress")
	fs.BoolVarP(&v.Verbose, "verbose", "v", false, "print each step on stderr as a line (also when stderr is not a terminal) and the time taken")
	for _, n := range []string{"quiet", "verbose"} {
		_ = fs.SetAnnotation(n, annotationCommon, []string{"true"})
	}
}

// Progress writes a progress message: a transient line on a terminal, a
// line of its own under --verbose, nothing under --quiet or when stderr is
// not a terminal.
func (v *Verbosity) Progress(w io.Writer, tty bool, format string, args ...any) {
	switch {
	case v.Quiet:
	case v.Verbose:
		fmt.Fprintf(w, "[%5.1fs] "+format+"\n", append([]any{time.Since(v.start).Seconds()}, args...)...)
	case tty:
		fmt.Fprintf(w, "\r\033[K"+format, args...)
	}
}

// ProgressDone clears a transient progress line.
func (v *Verbosity) ProgressDone(w io.Writer, tty bool) {
	if tty && !v.Quiet && !v.Verbose {
		fmt.Fprint(w, "\r\033[K")
	}
}

// Done writes, under --verbose, how long the command took.
func (v *Verbosity) Done(w io.Writer, command string) {
	if v.Verbose {
		fmt.Fprintf(w, "%s: done in %.2fs\n", command, time.Since(v.start).Seconds())
	}
}

// quietWriter is a writer that drops everything while *quiet is set.
type quietWriter struct {
	w     io.Writer
	quiet *bool
}

func (q quietWriter) Write(p []byte) (int, error) {
	if *q.quiet {
		return len(p), nil
	}
	return q.w.Write(p)
}

// NotesWriter returns a writer that passes to w unless --quiet was given,
// decided at each write (so it may be made before the flags are parsed).
func (v *Verbosity) NotesWriter(w io.Writer) io.Writer { return quietWriter{w, &v.Quiet} }

// usageText formats a flag set's --help text: the command's own flags, then
// the flags every command has.
func usageText(fs *pflag.FlagSet, synopsis string) string {
	own := pflag.NewFlagSet("own", pflag.ContinueOnError)
	common := pflag.NewFlagSet("common", pflag.ContinueOnError)
	own.SortFlags, common.SortFlags = false, false
	fs.VisitAll(func(f *pflag.Flag) {
		if _, ok := f.Annotations[annotationCommon]; ok {
			common.AddFlag(f)
		} else {
			own.AddFlag(f)
		}
	})
	s := fmt.Sprintf("Usage:\n  %s\n", strings.TrimSpace(synopsis))
	if own.HasAvailableFlags() {
		s += "\nFlags:\n" + own.FlagUsages()
	}
	if common.HasAvailableFlags() {
		s += "\nCommon flags:\n" + common.FlagUsages()
	}
	return s
}
