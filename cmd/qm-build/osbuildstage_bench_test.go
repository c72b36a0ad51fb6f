package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkVsOsbuildStage compares `qm-build rootfs` in-process with the
// org.osbuild.qm stage from process start to exit (reading the arguments
// file, writing the tree and the metadata), on the default options and a
// fresh host tree each time. The stage is the real binary, built as `make
// build` builds it (not the larger test binary). The third sub-benchmark runs
// that binary as `qm-build rootfs`: the stage against it is what being an
// osbuild stage costs (arguments, options, metadata); qm-build against it is
// what any separate process costs. All three share one warm SELinux module
// cache, so that the policy compile (make, checkmodule: ~150 ms, the same in
// all three) does not hide the stage's own cost, and write to tmpfs
// (/dev/shm) when the host has it: on the 2-core CI virtual machine every
// file creation on its ext4 disk costs about a millisecond, which would
// measure the disk.
func BenchmarkVsOsbuildStage(b *testing.B) {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		b.Setenv("TMPDIR", "/dev/shm")
	}
	epoch := fmt.Sprintf("SOURCE_DATE_EPOCH=%d", stageEpoch)
	cache := "QM_BUILD_CACHE=" + filepath.Join(b.TempDir(), "cache")
	b.Run("qm-build", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			tree := filepath.Join(b.TempDir(), "tree")
			makeHostTree(b, tree)
			var out, errb bytes.Buffer
			e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(k string) string {
				for _, kv := range []string{epoch, cache} {
					if name, v, _ := strings.Cut(kv, "="); name == k {
						return v
					}
				}
				return ""
			}}
			b.StartTimer()
			if code := run(context.Background(), e, []string{"rootfs", "--root", tree}); code != exitOK {
				b.Fatalf("qm-build rootfs: exit %d: %s", code, errb.String())
			}
		}
	})
	bin := binary(b, "./cmd/org.osbuild.qm", "qmbuild_testhooks")
	b.Run(osbuildStageName, func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			tree, runDir := filepath.Join(b.TempDir(), "tree"), b.TempDir()
			makeHostTree(b, tree)
			writeArguments(b, runDir, tree, json.RawMessage(`{}`))
			b.StartTimer()
			if r := runStage(b, bin, runDir, cache); r.code != exitOK {
				b.Fatalf("%s: exit %d: %s", osbuildStageName, r.code, r.stderr)
			}
		}
	})
	cli := binary(b, "./cmd/qm-build") // built before the clock starts
	b.Run("qm-build-rootfs-process", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			tree := filepath.Join(b.TempDir(), "tree")
			makeHostTree(b, tree)
			cmd := exec.Command(cli, "rootfs", "--root", tree)
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), epoch, cache}
			b.StartTimer()
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("qm-build rootfs: %v\n%s", err, out)
			}
		}
	})
}
