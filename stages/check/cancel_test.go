package check

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/stages/check/target"
)

// TestRunStopsWhenCancelled: a check whose context is cancelled (SIGINT or
// SIGTERM in the CLI) returns the cancellation, never a report made of the
// rules that ran before it nor bad input: while the image is walked, between
// rules, and during the last rule.
func TestRunStopsWhenCancelled(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "etc/qm"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "etc/qm/a"), []byte("a"), 0o644))
	finding := Rule{ID: "QM999", Severity: Error, Scope: ScopeImage, Check: func(*Context) []Finding {
		return []Finding{{Path: "/etc/qm/a", Message: "found"}}
	}}
	for _, tc := range []struct {
		name  string
		rules func(cancel context.CancelFunc) []Rule
		when  string // "open": cancelled once the target is open
	}{
		{"during the walk", func(context.CancelFunc) []Rule { return []Rule{finding} }, "open"},
		{"between rules", func(cancel context.CancelFunc) []Rule {
			first := finding
			first.Check = func(c *Context) []Finding { cancel(); return finding.Check(c) }
			return []Rule{first, finding}
		}, ""},
		{"during the last rule", func(cancel context.CancelFunc) []Rule {
			last := finding
			last.Check = func(c *Context) []Finding { cancel(); return nil }
			return []Rule{finding, last}
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			tg, err := target.OpenContext(ctx, dir, target.Options{})
			require.NoError(t, err)
			defer tg.Close()
			if tc.when == "open" {
				cancel()
			}
			r, err := Run(ctx, tg, Options{Rules: tc.rules(cancel)})
			require.ErrorIs(t, err, context.Canceled)
			require.Nil(t, r, "no partial report")
			var bi interface{ BadInput() bool }
			require.False(t, errors.As(err, &bi), "a cancellation is not bad input: %v", err)
		})
	}
}
