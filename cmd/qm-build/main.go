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
	"os"

	"github.com/qm-build/qm-build/cmd/internal/cli"
)

// toolVersion is the tool's own version, set with -ldflags "-X main.toolVersion=…".
var toolVersion = "0.0.0-dev"

// toolCommit is the commit it was built from, set with -ldflags "-X main.toolCommit=…".
var toolCommit = "unknown"

func main() {
	cli.Main("qm-build", signalContext, func(ctx context.Context) int {
		return run(ctx, newEnv(), os.Args[1:])
	})
}
