package main

import (
	"context"
	"errors"
	"fmt"
	"os/exec"

	"github.com/qm-build/qm-build/cmd/internal/cli"
	"github.com/qm-build/qm-build/stages/build"
)

// cmdManifest is `qm-build manifest`, served by the qm-build-manifest
// program (the one part of qm-build that links osbuild/images) with the same
// arguments, standard streams and environment; its exit status is this
// command's. It is found beside this executable, else on PATH.
func cmdManifest(ctx context.Context, e *env, args []string) error {
	bin := manifestBinary(e)
	if bin == "" {
		return fmt.Errorf("%s is not installed: `qm-build manifest` runs it, from beside qm-build or from PATH (`make build` puts it in bin/)", build.ManifestBinary)
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = e.stdin, e.stdout, e.stderr
	cmd.Env = e.environ
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() > 0 {
		return &exitStatus{code: ee.ExitCode()}
	}
	if err != nil {
		return fmt.Errorf("running %s: %w", bin, err)
	}
	return nil
}

// manifestBinary is the qm-build-manifest executable, or "".
func manifestBinary(e *env) string { return cli.FindBinary(build.ManifestBinary, e.getenv) }

// exitStatus is the status of another program that already reported its
// error: qm-build exits with it and prints nothing more.
type exitStatus struct{ code int }

func (s *exitStatus) Error() string { return fmt.Sprintf("exit status %d", s.code) }
