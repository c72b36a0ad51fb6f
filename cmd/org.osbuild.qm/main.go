// Command org.osbuild.qm is qm-build as a native osbuild stage: osbuild runs
// it inside the build root with the stage API under /run/osbuild, and it
// writes QM's content into the tree exactly as `qm-build rootfs` does (see
// stages/osbuildstage for the protocol).
//
// It is a small program of its own: it links the rootfs stages and nothing
// of osbuild/images, containers/image, sigstore or grpc (test/layering keeps
// it so), because osbuild copies it into every build root that uses it. The
// osbuild-stage-qm RPM ships it as /usr/lib/osbuild/stages/org.osbuild.qm,
// and `qm-build osbuild-stage install` copies it there.
//
// On failure it prints one line on stderr and exits 1, or 2 when the
// arguments or the options are bad; nothing is written into the tree unless
// they are good.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/qm-build/qm-build/blueprints/qmstage"
	"github.com/qm-build/qm-build/cmd/internal/cli"
	"github.com/qm-build/qm-build/stages/osbuildstage"
)

// toolVersion is qm-build's version, set with -ldflags "-X main.toolVersion=…"
// and recorded in the stage's metadata.
var toolVersion = "0.0.0-dev"

func main() {
	cli.Main(qmstage.StageName, nil, func(ctx context.Context) int {
		_, err := osbuildstage.Run(ctx, osbuildstage.Config{
			Paths:       osbuildstage.PathsFromEnv(os.Getenv),
			Getenv:      os.Getenv,
			CacheDir:    cli.CacheDir(os.Getenv),
			ToolVersion: toolVersion,
			Stdout:      os.Stdout,
		})
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %s\n", qmstage.StageName, osbuildstage.OneLine(err))
		}
		return cli.ExitCode(err)
	})
}
