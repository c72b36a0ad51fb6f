package cli

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/qm-build/qm-build/cmd/internal/crash"
)

// Main is the frame of every qm-build program's main: a panic becomes one
// line on stderr and exit status 1 (crash.Guard), the garbage collector is
// tuned (TuneGC), SIGINT and SIGTERM cancel the context run gets, and end
// the process within StopGrace if run has not returned by then (HardStop);
// the process exits with run's status. signals makes the context; nil
// means signal.NotifyContext for SIGINT and SIGTERM.
func Main(prog string, signals func(context.Context) (context.Context, context.CancelFunc), run func(ctx context.Context) int) {
	defer crash.Guard(prog, os.Stderr, os.Exit)
	crash.Hook()
	TuneGC(os.Getenv)
	if signals == nil {
		signals = func(parent context.Context) (context.Context, context.CancelFunc) {
			return signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
		}
	}
	ctx, stop := signals(context.Background())
	defer HardStop(prog, os.Stderr, StopGrace)()
	code := run(ctx)
	stop()
	os.Exit(code)
}
