package rpm_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/qm-build/qm-build/rpmspec/rpm"
	"github.com/qm-build/qm-build/rpmspec/rpm/rpmtest"
	"github.com/qm-build/qm-build/test/composed"
)

// BenchmarkWriteOne writes the qm package to memory, per compressor.
func BenchmarkWriteOne(b *testing.B) {
	qm := composed.Compose(b, nil)[0]
	for _, comp := range rpm.Compressors {
		b.Run(comp, func(b *testing.B) {
			o := rpm.Options{Compressor: comp, BuildTime: rpmtest.Epoch}
			for b.Loop() {
				if err := rpm.Write(io.Discard, qm, o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkWriteAll writes qm and every drop-in to memory (zstd).
func BenchmarkWriteAll(b *testing.B) {
	pkgs := composed.Compose(b, []string{"all"})
	o := rpm.Options{BuildTime: rpmtest.Epoch}
	var buf bytes.Buffer
	for b.Loop() {
		for _, p := range pkgs {
			buf.Reset()
			if err := rpm.Write(&buf, p, o); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkVsRPMBuild builds qm plus every drop-in into a directory: in
// process with the Go writer, and with `rpmbuild -bb` on the rendered spec
// (zstd payloads at level 1 both ways; with Fedora's default, level 19,
// rpmbuild takes about ten times longer still).
//
// Both sides write to tmpfs (/dev/shm) when the host has it: on the 2-core CI
// virtual machine every file creation on its ext4 disk costs about a
// millisecond, whoever makes it, which would measure the disk, not the tools.
func BenchmarkVsRPMBuild(b *testing.B) {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		b.Setenv("TMPDIR", "/dev/shm")
	}
	pkgs := composed.Compose(b, []string{"all"})
	b.Run("qm-build", func(b *testing.B) {
		o := rpm.Options{BuildTime: rpmtest.Epoch}
		dir := b.TempDir()
		n := 0
		for b.Loop() {
			// A fresh directory each time, as rpmbuild's fresh _topdir: on
			// ext4, renaming over an existing file flushes it (auto_da_alloc).
			n++
			if _, err := rpm.WriteDir(filepath.Join(dir, fmt.Sprint(n)), pkgs, o); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("rpmbuild", func(b *testing.B) {
		r := rpmtest.NewRPM(b)
		for b.Loop() {
			if got := rpmbuildSpec(b, r, pkgs); len(got) != len(pkgs) {
				b.Fatalf("rpmbuild made %d packages, want %d", len(got), len(pkgs))
			}
		}
	})
}
