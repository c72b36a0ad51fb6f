package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/qm-build/qm-build/rpmspec"
)

// Exit statuses shared by every command.
const (
	ExitOK       = 0
	ExitFailure  = 1 // the work failed, or a check found something
	ExitBadInput = 2 // flags, files or targets the user gave are wrong
)

// UsageErrorf is bad input detected by a command line itself (flags,
// arguments): an rpmspec.InputError, like every other bad input.
func UsageErrorf(format string, args ...any) error {
	return rpmspec.Invalid(format, args...)
}

// ExitCode maps an error to an exit status: 0 for none, 2 when it is the
// user's input (rpmspec.IsBadInput), else 1.
func ExitCode(err error) int {
	switch {
	case err == nil:
		return ExitOK
	case rpmspec.IsBadInput(err):
		return ExitBadInput
	}
	return ExitFailure
}

// NewFlags returns a flag set for a command. usage is the synopsis line(s)
// shown by --help, before the flag list, written to stdout. The flag set's
// output (pflag's deprecation lines, see Alias) is discarded until the
// caller sets it to stderr.
func NewFlags(stdout io.Writer, name, usage string) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SortFlags = false
	fs.SetOutput(io.Discard)
	fs.Usage = func() { fmt.Fprint(stdout, usageText(fs, usage)) }
	return fs
}

// ParseFlags parses args; --help prints usage (pflag calls fs.Usage itself)
// and returns pflag.ErrHelp, a flag error becomes bad input naming the
// flag.
func ParseFlags(fs *pflag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if errors.Is(err, pflag.ErrHelp) {
		return pflag.ErrHelp
	}
	if err != nil {
		return UsageErrorf("%v (see --help)", err)
	}
	if q, v := fs.Lookup("quiet"), fs.Lookup("verbose"); q != nil && v != nil && q.Changed && v.Changed &&
		q.Value.String() == "true" && v.Value.String() == "true" {
		return UsageErrorf("--quiet and --verbose exclude each other")
	}
	return nil
}

// OutputFormat validates an --output value against the allowed formats.
func OutputFormat(v string, allowed ...string) error {
	if slices.Contains(allowed, v) {
		return nil
	}
	return UsageErrorf("--output %q: want one of %s", v, strings.Join(allowed, ", "))
}

// WriteJSON writes v as indented JSON.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// SourceDateEpoch returns SOURCE_DATE_EPOCH as a time, or the zero time when
// it is unset. A malformed value is bad input.
func SourceDateEpoch(getenv func(string) string) (time.Time, error) {
	v := strings.TrimSpace(getenv("SOURCE_DATE_EPOCH"))
	if v == "" {
		return time.Time{}, nil
	}
	secs, err := strconv.ParseInt(v, 10, 64)
	if err != nil || secs < 0 || strconv.FormatInt(secs, 10) != v {
		return time.Time{}, UsageErrorf("SOURCE_DATE_EPOCH=%q is not a non-negative integer", v)
	}
	return time.Unix(secs, 0).UTC(), nil
}

// CacheDir is where builds keep results between runs (compiled SELinux
// modules): $QM_BUILD_CACHE ("off" disables it), else
// $XDG_CACHE_HOME/qm-build, else $HOME/.cache/qm-build, else none.
func CacheDir(getenv func(string) string) string {
	switch v := getenv("QM_BUILD_CACHE"); v {
	case "off":
		return ""
	case "":
	default:
		return v
	}
	if x := getenv("XDG_CACHE_HOME"); x != "" {
		return filepath.Join(x, "qm-build")
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".cache", "qm-build")
	}
	return ""
}
