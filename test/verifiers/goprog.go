package verifiers

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
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
