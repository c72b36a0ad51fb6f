//go:build qmbuild_testhooks

package cli

import (
	"context"
	"strconv"
)

// TestHooks reports whether the test hooks are compiled in: only with the
// build tag qmbuild_testhooks, which the kill tests build qm-build with and
// `make build` never uses.
const TestHooks = true

// StopAfter returns the hook a command calls at each progress point of a
// kind ("RPM": a package written, "PUBLISH": an RPM placed). With
// QM_BUILD_TEST_<KIND>_STOP_AFTER=N, the Nth call blocks until ctx is done,
// so that a test can signal the process at a known point, however slow the
// machine: an interrupted command then stops there, and a killed one has
// written exactly N.
func StopAfter(ctx context.Context, getenv func(string) string, kind string) (func(), error) {
	name := "QM_BUILD_TEST_" + kind + "_STOP_AFTER"
	v := getenv(name)
	if v == "" {
		return func() {}, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return nil, UsageErrorf("%s=%q: want a count of at least 1", name, v)
	}
	calls := 0
	return func() {
		calls++
		if calls == n {
			<-ctx.Done()
		}
	}, nil
}
