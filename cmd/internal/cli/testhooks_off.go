//go:build !qmbuild_testhooks

package cli

import "context"

// TestHooks reports whether the test hooks are compiled in (see
// testhooks.go): not in this build.
const TestHooks = false

// StopAfter is a no-op without the test hooks.
func StopAfter(context.Context, func(string) string, string) (func(), error) {
	return func() {}, nil
}
