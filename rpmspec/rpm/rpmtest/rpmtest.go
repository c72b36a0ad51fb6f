package rpmtest

import (
	"strings"
	"testing"
	"time"

	"github.com/qm-build/qm-build/test/verifiers"
)

// Epoch is the SOURCE_DATE_EPOCH of the fixtures.
var Epoch = time.Unix(1700000000, 0).UTC()

// RPM runs rpm (or rpmkeys, rpmbuild: tool) with a scratch HOME, so that
// Debian's ~/.rpmdb default never touches the real home.
type RPM struct {
	Home string
}

// NewRPM returns a runner with its own scratch HOME.
func NewRPM(t testing.TB) RPM {
	t.Helper()
	verifiers.Need(t, "rpm")
	return RPM{Home: verifiers.ScratchHome(t)}
}

// Run runs tool with args and returns its result.
func (r RPM) Run(t testing.TB, tool string, args ...string) verifiers.Result {
	t.Helper()
	return verifiers.Cmd{Env: []string{"HOME=" + r.Home}}.Run(t, tool, args...)
}

// Query runs `rpm -qp --qf FORMAT FILE` and fails the test on an error.
func (r RPM) Query(t testing.TB, format, file string) string {
	t.Helper()
	res := r.Run(t, "rpm", "-qp", "--qf", format, file)
	if res.Code != 0 {
		t.Fatalf("rpm -qp %s: rc %d: %s", file, res.Code, res.Stderr)
	}
	return res.Stdout
}

// Lines splits output into lines, dropping the empty last one.
func Lines(s string) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}
