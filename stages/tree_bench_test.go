package stages

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/qm-build/qm-build/test/verifiers"
)

// benchDir is a tmpfs directory for the benchmark trees (/dev/shm when the
// host has it), so that the disk does not dominate.
func benchDir(b *testing.B) string {
	b.Helper()
	parent := ""
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		parent = "/dev/shm"
	}
	dir, err := os.MkdirTemp(parent, "qm-build-bench-")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// BenchmarkVsBuildTree compares writing QM's tree with every drop-in and
// every option (the stages of `qm-build build` that write OUT/tree: facts,
// compose, payload, the tree stages, finish-tree) against `cp -a` of the
// resulting tree, the floor for writing those bytes, modes and times. Both
// write into a fresh directory on tmpfs each iteration.
func BenchmarkVsBuildTree(b *testing.B) {
	plan := testPlan(b, allOptions())
	dir := benchDir(b)
	// A warm module cache, as on any machine that has built before: the
	// policy compile (make, checkmodule) is measured by the cold case.
	run := RootfsRun{CacheDir: filepath.Join(dir, "cache")}
	ref := filepath.Join(dir, "ref")
	if err := os.MkdirAll(ref, 0o755); err != nil {
		b.Fatal(err)
	}
	if _, err := RunRootfs(context.Background(), ref, plan, run); err != nil {
		b.Fatal(err)
	}
	b.Run("qm-build", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			b.StopTimer()
			out := filepath.Join(dir, "qm-build")
			os.RemoveAll(out)
			if err := os.MkdirAll(out, 0o755); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if _, err := RunRootfs(context.Background(), out, plan, run); err != nil {
				b.Fatal(err)
			}
		}
	})
	cp := verifiers.Need(b, "cp")
	b.Run("cp-a", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			out := filepath.Join(dir, "cp")
			os.RemoveAll(out)
			b.StartTimer()
			if msg, err := exec.Command(cp, "-a", ref, out).CombinedOutput(); err != nil {
				b.Fatalf("cp -a: %v: %s", err, msg)
			}
		}
	})
}

// BenchmarkTreeAgain writes QM's tree with every drop-in and every option
// over the tree an earlier run wrote (the rerun of `qm-build rootfs`): the
// manifest read, the validation against existing paths, the sweep for
// leftovers, staging and renames. Compare with BenchmarkVsBuildTree's
// qm-build, which writes into an empty directory.
func BenchmarkTreeAgain(b *testing.B) {
	plan := testPlan(b, allOptions())
	dir := benchDir(b)
	run := RootfsRun{CacheDir: filepath.Join(dir, "cache")}
	if _, err := RunRootfs(context.Background(), dir, plan, run); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := RunRootfs(context.Background(), dir, plan, run); err != nil {
			b.Fatal(err)
		}
	}
}
