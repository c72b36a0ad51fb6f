// Command qm-build emits QM artifacts at OS-image build time: the qm and
// drop-in RPMs, the spec that rebuilds them, the QM trees, quadlets, BlueChi and
// SELinux configuration, osbuild manifests and blueprint fragments, published
// repositories, and an offline check of the finished image.
//
// Every subcommand is a thin layer: it parses flags into the model and calls one
// library function. Exit status: 0 success, 1 failure or findings, 2 bad input.
package main

import (
	"context"
	"github.com/qm-build/qm-build/cmd/internal/crash"
	"os"

	"github.com/qm-build/qm-build/cmd/internal/cli"
)

// toolVersion is the tool's own version, set with -ldflags "-X main.toolVersion=…".
var toolVersion = "0.0.0-dev"

// toolCommit is the commit it was built from, set with -ldflags "-X main.toolCommit=…".
var toolCommit = "unknown"

func main() {
	defer crash.Guard("qm-build", os.Stderr, os.Exit)
	crash.Hook()
	cli.TuneGC(os.Getenv)
	ctx, stop := signalContext(context.Background())
	defer cli.HardStop("qm-build", os.Stderr, cli.StopGrace)()
	code := run(ctx, newEnv(), os.Args[1:])
	stop()
	os.Exit(code)
}
