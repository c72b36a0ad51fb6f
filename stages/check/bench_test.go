package check

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/stages/check/target"
	"github.com/qm-build/qm-build/test/verifiers"
)

// Shape of the benchmark tree (the performance target): 100,000
// files, 200 of them ELF.
const (
	benchFiles = 100_000
	benchELFs  = 200
	benchDirs  = 1_000
)

// benchTree generates the tree once: files of 0–4 KiB spread over 1,000
// directories three levels deep, 200 of them starting with a real ELF header
// (the first 4 KiB of a cross-compiled x86_64 program), a fixed seed so every
// run walks the same tree. QM_BUILD_BENCH_TREE keeps it at that path (to
// measure the CLI with /usr/bin/time -v); otherwise it lives in a temporary
// directory.
func benchTree(b *testing.B) string {
	b.Helper()
	dir := os.Getenv("QM_BUILD_BENCH_TREE")
	if dir == "" {
		dir = filepath.Join(b.TempDir(), "tree")
	}
	if _, err := os.Stat(filepath.Join(dir, ".complete")); err == nil {
		return dir
	}
	elf := crossELF(b)["x86_64"][:4096]
	rng := rand.New(rand.NewPCG(1, 2))
	filler := make([]byte, 4096)
	for i := range filler {
		filler[i] = byte('a' + i%26)
	}
	for i := 0; i < benchFiles; i++ {
		d := i % benchDirs
		p := filepath.Join(dir, fmt.Sprintf("usr/d%02d/s%02d/t%d/f%06d", d%10, d/10%10, d/100, i))
		if i%benchDirs == 0 || i < benchDirs {
			require.NoError(b, os.MkdirAll(filepath.Dir(p), 0o755))
		}
		data := filler[:rng.IntN(len(filler))]
		if i%(benchFiles/benchELFs) == 0 {
			data = elf
		}
		require.NoError(b, os.WriteFile(p, data, 0o644))
	}
	require.NoError(b, os.WriteFile(filepath.Join(dir, ".complete"), nil, 0o644))
	return dir
}

// BenchmarkVsCheck compares `qm-build check` (in process: open, one parallel
// walk reading every file's head for ELF, every rule, the report) with
// `find TREE -printf '%m %u %s %p\n'`, which only stats.
func BenchmarkVsCheck(b *testing.B) {
	dir := benchTree(b)
	find := verifiers.Need(b, "find")
	b.Run("qm-build", func(b *testing.B) {
		for b.Loop() {
			tg, err := target.Open(dir, target.Options{})
			require.NoError(b, err)
			r, err := Run(context.Background(), tg, Options{Arch: "x86_64"})
			require.NoError(b, err)
			require.NoError(b, WriteText(io.Discard, r))
			require.NoError(b, tg.Close())
		}
	})
	b.Run("find", func(b *testing.B) {
		for b.Loop() {
			cmd := exec.Command(find, dir, "-printf", "%m %u %s %p\n")
			cmd.Stdout = io.Discard
			require.NoError(b, cmd.Run())
		}
	})
}

// benchDisk packs the benchmark tree as a 4 GiB GPT disk image (sparse): an
// ext4 root partition of the DPS x86_64 root type, made by mke2fs -d.
func benchDisk(b *testing.B, tree string) string {
	b.Helper()
	img := filepath.Join(b.TempDir(), "disk.raw")
	require.NoError(b, os.WriteFile(img, nil, 0o644))
	require.NoError(b, os.Truncate(img, 4<<30))
	for _, c := range [][]string{
		{verifiers.Need(b, "sgdisk"), "--clear", "--new=1:2048:0", "--typecode=1:4f68bce3-e8cd-4db1-96e7-fbcaf984b709", img},
		{verifiers.Need(b, "mke2fs"), "-q", "-t", "ext4", "-L", "root", "-E", "offset=1048576", "-d", tree, img, fmt.Sprintf("%dk", (4<<30-2<<20)/1024)},
	} {
		out, err := exec.Command(c[0], c[1:]...).CombinedOutput()
		require.NoError(b, err, "%v: %s", c, out)
	}
	return img
}

// BenchmarkVsDiskImage compares checking the benchmark tree (100,000 files)
// as a 4 GiB disk image (the partition table, the read-only loop mount,
// every rule) with checking the same tree as a directory: the issue's
// target is a ratio of at least 0.5 (the disk within 2× of the directory).
// It needs root, for the loop mount.
func BenchmarkVsDiskImage(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("a disk image is read through a loop mount, which needs root")
	}
	dir := benchTree(b)
	img := benchDisk(b, dir)
	check := func(b *testing.B, spec string) {
		for b.Loop() {
			tg, err := target.Open(spec, target.Options{})
			require.NoError(b, err)
			r, err := Run(context.Background(), tg, Options{Arch: "x86_64"})
			require.NoError(b, err)
			require.NoError(b, WriteText(io.Discard, r))
			require.NoError(b, tg.Close())
		}
	}
	b.Run("qm-build", func(b *testing.B) { check(b, "disk:"+img) })
	b.Run("tree", func(b *testing.B) { check(b, dir) })
}
