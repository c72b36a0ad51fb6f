package verifiers

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// goPrograms caches GoProgram's builds for the life of the test binary.
var goPrograms sync.Map // key string -> []byte

// GoProgram cross-compiles a tiny static Go program for linux/goarch (amd64,
// arm64, …) that prints message to stderr, with the given -ldflags ("-s -w"
// strips it, "" keeps the debug information), and returns the executable's
// bytes. Tests use it as a real ELF file of a known architecture; each
// distinct build runs once per test binary.
func GoProgram(t testing.TB, goarch, ldflags, message string) []byte {
	t.Helper()
	key := goarch + "\x00" + ldflags + "\x00" + message
	if b, ok := goPrograms.Load(key); ok {
		return b.([]byte)
	}
	goBin := Need(t, "go")
	dir, err := os.MkdirTemp("", "qm-build-goprog-*")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	src := fmt.Sprintf("package main\n\nfunc main() { println(%q) }\n", message)
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module goprog\n\ngo 1.21\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "prog")
	cmd := exec.Command(goBin, "build", "-trimpath", "-ldflags="+ldflags, "-o", bin, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED=0", "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build for %s: %v\n%s", goarch, err, out)
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	goPrograms.Store(key, b)
	return b
}

// BuildTags are the build tags of every qm-build binary (the Makefile's
// TAGS): osbuild/images needs containers_image_openpgp (no gpgme, no cgo),
// and exclude_graphdriver_btrfs when cgo is on.
const BuildTags = "containers_image_openpgp,exclude_graphdriver_btrfs"

// Binary builds one of qm-build's commands (pkg, e.g. "./cmd/qm-build-manifest")
// as `make build` does, with the extra build tags given (e.g. the test hooks'
// tag), into a directory of the test's, and returns its path. Go's build
// cache makes a second build of the same package a link only.
func Binary(t testing.TB, pkg string, tags ...string) string {
	t.Helper()
	return BinaryIn(t, t.TempDir(), pkg, tags...)
}

// BinaryIn is Binary into dir, for a binary shared by several tests.
func BinaryIn(t testing.TB, dir, pkg string, tags ...string) string {
	t.Helper()
	goBin := Need(t, "go")
	bin := filepath.Join(dir, filepath.Base(pkg))
	all := strings.Join(append([]string{BuildTags}, tags...), ",")
	cmd := exec.Command(goBin, "build", "-trimpath", "-ldflags=-s -w", "-tags", all, "-o", bin, pkg)
	cmd.Dir = RepoRoot(t)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	return bin
}

// MinRuns is how many times a process benchmark runs at least: its ns/op is
// the median of the runs.
const MinRuns = 10

// Median runs a whole-process benchmark: run is called max(b.N, MinRuns)
// times and the benchmark's ns/op is the median duration, which one slow
// run on a loaded machine does not move. Comparisons run each side in the
// same go test process, one after the other (make bench, test/benchratio).
func Median(b *testing.B, run func()) {
	b.Helper()
	n := max(b.N, MinRuns)
	d := make([]time.Duration, n)
	b.ResetTimer()
	for i := range d {
		start := time.Now()
		run()
		d[i] = time.Since(start)
	}
	b.StopTimer()
	slices.Sort(d)
	b.ReportMetric(float64(d[n/2].Nanoseconds()), "ns/op")
	b.ReportMetric(float64(n), "runs")
}
