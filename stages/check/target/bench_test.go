package target

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/test/verifiers"
)

// benchImage packs a tree of 20,000 files (0–4 KiB, 400 directories) as an
// OCI layout with GNU tar and umoci, once per benchmark.
func benchImage(b *testing.B) string {
	b.Helper()
	tarTool, umoci := verifiers.Need(b, "tar"), verifiers.Need(b, "umoci")
	dir := b.TempDir()
	tree := filepath.Join(dir, "tree")
	rng := rand.New(rand.NewPCG(1, 2))
	filler := make([]byte, 4096)
	for i := range filler {
		filler[i] = byte('a' + rng.IntN(26))
	}
	for i := 0; i < 20_000; i++ {
		p := filepath.Join(tree, fmt.Sprintf("usr/d%02d/s%02d/f%05d", i%20, i/20%20, i))
		require.NoError(b, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(b, os.WriteFile(p, filler[:rng.IntN(len(filler))], 0o644))
	}
	layer, layout := filepath.Join(dir, "layer.tar"), filepath.Join(dir, "oci")
	for _, args := range [][]string{
		{tarTool, "--create", "--file", layer, "--format=pax", "--numeric-owner", "--sort=name", "--directory", tree, "."},
		{umoci, "init", "--layout", layout},
		{umoci, "new", "--image", layout + ":test"},
		{umoci, "raw", "add-layer", "--no-history", "--image", layout + ":test", layer},
	} {
		out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
		require.NoError(b, err, "%v: %s", args, out)
	}
	return layout
}

// BenchmarkVsOpenImage compares opening an OCI image for the checker
// (verifying every blob, flattening the gzip layer, reading every file's
// head as the ELF rules do) with `umoci raw unpack`, which also verifies and
// flattens but writes the files out.
func BenchmarkVsOpenImage(b *testing.B) {
	layout := benchImage(b)
	umoci := verifiers.Need(b, "umoci")
	b.Run("qm-build", func(b *testing.B) {
		for b.Loop() {
			tg, err := Open("oci:"+layout+":test", Options{TempDir: b.TempDir()})
			require.NoError(b, err)
			require.NoError(b, tg.FS.Walk(func(Entry, []byte) error { return nil }, WalkOptions{Head: true}))
			require.NoError(b, tg.Close())
		}
	})
	b.Run("umoci-raw-unpack", func(b *testing.B) {
		for b.Loop() {
			out := filepath.Join(b.TempDir(), "rootfs")
			cmd := exec.Command(umoci, "raw", "unpack", "--rootless", "--image", layout+":test", out)
			o, err := cmd.CombinedOutput()
			require.NoError(b, err, string(o))
		}
	})
}
