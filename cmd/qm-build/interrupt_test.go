package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestInterruptedCommands: a command whose context a signal cancelled exits
// with the shell's status for it and says it was interrupted, whatever error
// the cut-short work returned (here the walk of a tree, which a cancelled
// context used to turn into bad input, exit status 2); a context cancelled
// otherwise keeps the command's own status.
func TestInterruptedCommands(t *testing.T) {
	tree := t.TempDir()
	for _, tc := range []struct {
		name  string
		cause error
		code  int
		want  string
	}{
		{"SIGINT", &signalCause{sig: syscall.SIGINT}, 130, "qm-build check: interrupted by SIGINT (walking the image: context canceled)"},
		{"SIGTERM", &signalCause{sig: syscall.SIGTERM}, 143, "qm-build check: interrupted by SIGTERM (walking the image: context canceled)"},
		{"no signal", errors.New("the caller gave up"), exitFailure, "qm-build check: walking the image: context canceled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancelCause(context.Background())
			cancel(tc.cause)
			var out, errb bytes.Buffer
			e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
			code := run(ctx, e, []string{"check", tree})
			require.Equal(t, tc.code, code, errb.String())
			require.Equal(t, tc.want+"\n", errb.String())
			require.Empty(t, out.String())
		})
	}
}
