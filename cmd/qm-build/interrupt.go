package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// signalContext is signal.NotifyContext for SIGINT and SIGTERM, with the
// signal as the context's cause, so that a command cut short by one is
// reported as interrupted (interruption), not as whatever error the
// cancelled work returned.
func signalContext(parent context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case s := <-ch:
			if sig, ok := s.(syscall.Signal); ok {
				cancel(&signalCause{sig: sig})
				return
			}
			cancel(nil)
		case <-ctx.Done():
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		cancel(nil)
	}
}

// signalCause is the cause of a context cancelled by a signal.
type signalCause struct{ sig syscall.Signal }

func (s *signalCause) Error() string { return signalName(s.sig) + " received" }

// Is makes the cause a cancellation, as signal.NotifyContext's is.
func (s *signalCause) Is(target error) bool { return target == context.Canceled }

func signalName(sig syscall.Signal) string {
	switch sig {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return sig.String()
}

// interruptedError is a command stopped by a signal. It is neither bad
// input nor a failure of the work: its exit status is the shell's
// convention, 128 plus the signal number (130 for SIGINT, 143 for SIGTERM).
type interruptedError struct {
	sig syscall.Signal
	err error
}

func (e *interruptedError) Error() string {
	return fmt.Sprintf("interrupted by %s (%v)", signalName(e.sig), e.err)
}

func (e *interruptedError) Unwrap() error { return e.err }

// interruption turns the error of a command whose context a signal
// cancelled into an interruptedError, whatever the cancelled work returned
// (a target that could not be read, a program that was killed).
func interruption(ctx context.Context, err error) error {
	var sc *signalCause
	if err == nil || !errors.As(context.Cause(ctx), &sc) {
		return err
	}
	return &interruptedError{sig: sc.sig, err: err}
}

// exitStatusOf is exitCode, with an interruption's own status.
func exitStatusOf(err error) int {
	var ie *interruptedError
	if errors.As(err, &ie) {
		return 128 + int(ie.sig)
	}
	return exitCode(err)
}
