// Package crash is the last line of defence of every qm-build program: a
// panic (a bug; bad input is refused by validation long before) becomes
// one line on stderr, "internal error, please report", and exit status 1,
// with no stack trace. It links only the standard library, so that QM's
// OCI hook, which podman runs at every container's creation, can use it.
package crash

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// ExitInternal is the exit status of a program that panicked: a failure
// (1), not bad input.
const ExitInternal = 1

// Guard recovers a panic of the goroutine that defers it: it writes
// "PROG: internal error, please report: VALUE" to stderr, the value on one
// line with control characters escaped, and exits with ExitInternal. Defer
// it first in main:
//
//	defer crash.Guard("qm-build", os.Stderr, os.Exit)
func Guard(prog string, stderr io.Writer, exit func(int)) {
	r := recover()
	if r == nil {
		return
	}
	fmt.Fprintf(stderr, "%s: internal error, please report: %s\n", prog, oneLine(fmt.Sprint(r)))
	exit(ExitInternal)
}

// oneLine escapes control characters so that the message is one line.
func oneLine(s string) string {
	q := strconv.Quote(s)
	q = q[1 : len(q)-1]
	return strings.ReplaceAll(q, `\"`, `"`)
}

// Hook is the test hook: with the build tag qmbuild_testhooks and
// QM_BUILD_TEST_PANIC set, it panics, so that a test can see Guard at work
// in the real program. Without the tag it does nothing (hook_off.go).
func Hook() { hook(os.Getenv) }
