package cli

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/qm-build/qm-build/rpmspec/cleanup"
)

// StopGrace is how long a program may take to wind down after SIGINT or
// SIGTERM before HardStop ends it: every command stops within a second of
// the signal, even one blocked in a read that its context cannot end (a
// pipe on standard input that never closes).
const StopGrace = 900 * time.Millisecond

// HardStop makes SIGINT and SIGTERM end the process within grace: the
// program's own handling (its context cancelled, its temporary files
// removed, its status 130 or 143) runs first; if the program has not exited
// when grace has passed, HardStop says so on stderr and exits with the same
// status (128 plus the signal's number), after running what the program
// registered with package cleanup (its temporary directories, its mounts).
// What a kill leaves is swept by the next run (see docs/limits.md). The
// returned function
// stops watching.
func HardStop(prog string, stderr io.Writer, grace time.Duration) func() {
	ch := make(chan os.Signal, 1)
	done := make(chan struct{})
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		var s os.Signal
		select {
		case s = <-ch:
		case <-done:
			return
		}
		t := time.NewTimer(grace)
		select {
		case <-t.C:
		case <-done:
			t.Stop()
			return
		}
		sig, _ := s.(syscall.Signal)
		name := "SIGTERM"
		if sig == syscall.SIGINT {
			name = "SIGINT"
		}
		fmt.Fprintf(stderr, "%s: interrupted by %s (stopped after %v without finishing)\n", prog, name, grace)
		cleanup.Run()
		os.Exit(128 + int(sig))
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}
