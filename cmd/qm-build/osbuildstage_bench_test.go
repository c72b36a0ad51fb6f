package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkVsOsbuildStage compares `qm-build rootfs` in-process with the
// org.osbuild.qm stage from process start to exit (reading the arguments
// file, writing the tree and the metadata), on the default options and a
// fresh host tree each time. The difference is what being an osbuild stage
// costs.
func BenchmarkVsOsbuildStage(b *testing.B) {
	epoch := fmt.Sprintf("SOURCE_DATE_EPOCH=%d", stageEpoch)
	b.Run("qm-build", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			tree := filepath.Join(b.TempDir(), "tree")
			makeHostTree(b, tree)
			var out, errb bytes.Buffer
			e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(k string) string {
				if k == "SOURCE_DATE_EPOCH" {
					return epoch[len("SOURCE_DATE_EPOCH="):]
				}
				return ""
			}}
			b.StartTimer()
			if code := run(context.Background(), e, []string{"rootfs", "--root", tree}); code != exitOK {
				b.Fatalf("qm-build rootfs: exit %d: %s", code, errb.String())
			}
		}
	})
	b.Run(osbuildStageName, func(b *testing.B) {
		bin := stageBinaryLink(b)
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			tree, runDir := filepath.Join(b.TempDir(), "tree"), b.TempDir()
			makeHostTree(b, tree)
			writeArguments(b, runDir, tree, json.RawMessage(`{}`))
			b.StartTimer()
			if r := runStage(b, bin, runDir); r.code != exitOK {
				b.Fatalf("%s: exit %d: %s", osbuildStageName, r.code, r.stderr)
			}
		}
	})
}
