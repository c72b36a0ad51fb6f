package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/qm-build/qm-build/test/verifiers"
)

// The whole-process benchmarks: each runs real programs, the median of at
// least verifiers.MinRuns runs, the two sides of a comparison one after the
// other in one `make bench` (test/benchratio prints the ratio). They write
// to tmpfs (/dev/shm) when the host has it: on the 2-core CI virtual
// machine every file creation on its ext4 disk costs about a millisecond,
// whoever makes it, which would measure the disk, not the programs.

// benchTmp moves the benchmark's temporary directories to tmpfs.
func benchTmp(b *testing.B) {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		b.Setenv("TMPDIR", "/dev/shm")
	}
}

// runQuiet runs a command, failing the benchmark on an unexpected status.
func runQuiet(b *testing.B, cmd *exec.Cmd, okCodes ...int) {
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	err := cmd.Run()
	code := cmd.ProcessState.ExitCode()
	for _, ok := range append(okCodes, 0) {
		if code == ok {
			return
		}
	}
	b.Fatalf("%s: %v: %s", cmd.String(), err, stderr.String())
}

// BenchmarkVsRPMBuildProcess: `qm-build rpm --dropin all` against
// `rpmbuild -bb` of the spec `qm-build spec --dropin all` renders (the same
// packages, zstd level 1 both ways), each a fresh process writing a fresh
// directory, with a warm SELinux module cache for qm-build (a build keeps
// one; rpmbuild gets the compiled module inside the spec).
func BenchmarkVsRPMBuildProcess(b *testing.B) {
	benchTmp(b)
	qm := binary(b, "./cmd/qm-build")
	rpmbuild := verifiers.Need(b, "rpmbuild")
	dir := b.TempDir()
	env := append(os.Environ(), "SOURCE_DATE_EPOCH=1700000000", "QM_BUILD_CACHE="+filepath.Join(dir, "cache"))
	spec := filepath.Join(dir, "qm.spec")
	cmd := exec.Command(qm, "spec", "--dropin", "all", "--out", spec)
	cmd.Env = env
	runQuiet(b, cmd) // also fills the module cache
	n := 0
	fresh := func() string { n++; return filepath.Join(dir, fmt.Sprint(n)) }
	b.Run("qm-build", func(b *testing.B) {
		verifiers.Median(b, func() {
			cmd := exec.Command(qm, "rpm", "--dropin", "all", "--out", fresh())
			cmd.Env = env
			runQuiet(b, cmd)
		})
	})
	b.Run("rpmbuild", func(b *testing.B) {
		home := verifiers.ScratchHome(b)
		verifiers.Median(b, func() {
			cmd := exec.Command(rpmbuild, "-bb", "--quiet", "--define", "_topdir "+fresh(),
				"--define", "_binary_payload w1.zstdio", spec)
			cmd.Env = append(env, "HOME="+home)
			runQuiet(b, cmd)
		})
	})
}

// BenchmarkVsStartupProcess: `qm-build --help`, the cost of starting qm-build at
// all, against `rpm --version`, a C program's, and against the machine's two
// floors: `true` (starting any process) and an empty Go program built here
// (starting the Go runtime), which show how much of the time is the
// machine's rather than qm-build's.
func BenchmarkVsStartupProcess(b *testing.B) {
	qm := binary(b, "./cmd/qm-build")
	rpmBin := verifiers.Need(b, "rpm")
	trueBin := verifiers.Need(b, "true")
	empty := emptyGoProgram(b)
	b.Run("qm-build", func(b *testing.B) {
		verifiers.Median(b, func() { runQuiet(b, exec.Command(qm, "--help")) })
	})
	b.Run("rpm", func(b *testing.B) {
		verifiers.Median(b, func() { runQuiet(b, exec.Command(rpmBin, "--version")) })
	})
	b.Run("go-empty", func(b *testing.B) {
		verifiers.Median(b, func() { runQuiet(b, exec.Command(empty)) })
	})
	b.Run("true", func(b *testing.B) {
		verifiers.Median(b, func() { runQuiet(b, exec.Command(trueBin)) })
	})
}

// emptyGoProgram builds a Go program that writes one line and exits, linked
// as qm-build is (static, stripped), with the go command running this test.
func emptyGoProgram(b *testing.B) string {
	goBin := verifiers.Need(b, "go")
	dir := b.TempDir()
	for name, text := range map[string]string{
		"go.mod":  "module empty\n\ngo 1.26\n",
		"main.go": "package main\n\nimport \"os\"\n\nfunc main() { os.Stdout.WriteString(\"empty\\n\") }\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	out := filepath.Join(dir, "empty")
	cmd := exec.Command(goBin, "build", "-trimpath", "-ldflags", "-s -w", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=")
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build of the empty program: %v\n%s", err, msg)
	}
	return out
}

// BenchmarkVsCheckSmallTreeProcess: `qm-build check` of a small tree (a skeleton
// image without QM: the cost of starting the checker and running every
// rule on next to nothing), against `find` listing it with modes and
// owners.
func BenchmarkVsCheckSmallTreeProcess(b *testing.B) {
	benchTmp(b)
	tree := filepath.Join(b.TempDir(), "tree")
	for _, d := range []string{"etc/systemd/system", "usr/lib/systemd/system", "usr/share", "var/lib"} {
		if err := os.MkdirAll(filepath.Join(tree, d), 0o755); err != nil {
			b.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(tree, "etc/os-release"), []byte("ID=centos\nVERSION_ID=10\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	benchCheck(b, tree)
}

// BenchmarkVsCheckQMTreeProcess: `qm-build check` of the tree `qm-build rootfs`
// writes into an empty directory (QM's packages' payload and the stages'
// files: every rule has something to read), against `find` on it.
func BenchmarkVsCheckQMTreeProcess(b *testing.B) {
	benchTmp(b)
	tree := filepath.Join(b.TempDir(), "tree")
	if err := os.Mkdir(tree, 0o755); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(binary(b, "./cmd/qm-build"), "rootfs", "--root", tree)
	cmd.Env = append(os.Environ(), "SOURCE_DATE_EPOCH=1700000000")
	runQuiet(b, cmd)
	benchCheck(b, tree)
}

// benchCheck runs the two sides of a check comparison on tree.
func benchCheck(b *testing.B, tree string) {
	qm := binary(b, "./cmd/qm-build")
	find := verifiers.Need(b, "find")
	b.Run("qm-build", func(b *testing.B) {
		// Findings exit 1 (the tree is not a whole image); that is the
		// check's answer, not a failure of the benchmark.
		verifiers.Median(b, func() { runQuiet(b, exec.Command(qm, "check", tree), 1) })
	})
	b.Run("find", func(b *testing.B) {
		verifiers.Median(b, func() { runQuiet(b, exec.Command(find, tree, "-printf", "%m %u %s %p\n")) })
	})
}
