package osbuildstage

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/blueprints/qmstage"
	"github.com/qm-build/qm-build/rpmspec"
)

func TestInstall(t *testing.T) {
	libdir := t.TempDir()
	exe := []byte("\x7fELF not really\n")
	written, err := Install(libdir, bytes.NewReader(exe))
	require.NoError(t, err)
	require.Equal(t, []string{
		filepath.Join(libdir, "stages", qmstage.StageName),
		filepath.Join(libdir, "stages", qmstage.MetaFileName),
	}, written)
	for _, tc := range []struct {
		path string
		body []byte
		mode os.FileMode
	}{
		{written[0], exe, 0o755},
		{written[1], qmstage.MetaJSON(), 0o644},
	} {
		got, err := os.ReadFile(tc.path)
		require.NoError(t, err)
		require.Equal(t, tc.body, got)
		fi, err := os.Stat(tc.path)
		require.NoError(t, err)
		require.Equal(t, tc.mode, fi.Mode().Perm(), tc.path)
	}

	// Replacing an installed stage works in place, with no leftovers.
	_, err = Install(libdir, bytes.NewReader([]byte("new")))
	require.NoError(t, err)
	got, err := os.ReadFile(written[0])
	require.NoError(t, err)
	require.Equal(t, "new", string(got))
	entries, err := os.ReadDir(filepath.Join(libdir, "stages"))
	require.NoError(t, err)
	require.Len(t, entries, 2)
}

func TestInstallRefusesMissingLibdir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nope")
	_, err := Install(dir, strings.NewReader("x"))
	var le *rpmspec.InputError
	require.ErrorAs(t, err, &le)
	require.True(t, le.BadInput())
	_, err = os.Stat(dir)
	require.ErrorIs(t, err, os.ErrNotExist)
}

// failingReader fails after the first read, as a binary that cannot be read
// to the end.
type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n > 0 {
		return 0, os.ErrClosed
	}
	r.n++
	return copy(p, "partial"), nil
}

func TestInstallLeavesNothingHalfWritten(t *testing.T) {
	libdir := t.TempDir()
	_, err := Install(libdir, &failingReader{})
	require.Error(t, err)
	entries, err := os.ReadDir(filepath.Join(libdir, "stages"))
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	require.Equal(t, []string{qmstage.MetaFileName}, names, "no stage binary and no temporary file")
}

func TestRPMPackage(t *testing.T) {
	exe, err := os.Executable()
	require.NoError(t, err)
	data, err := os.ReadFile(exe)
	require.NoError(t, err)
	p, err := RPMPackage(data, "0.2.0", "1")
	require.NoError(t, err)
	want := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[runtime.GOARCH]
	require.Equal(t, want, p.Arch, "the package's arch is the binary's")
	require.Equal(t, "osbuild-stage-qm-0.2.0-1."+want+".rpm", p.FileName())
	require.Len(t, p.Files, 2)
	require.Equal(t, StagePath, p.Files[0].Path)
	require.Equal(t, os.FileMode(0o755), p.Files[0].Mode)
	require.Equal(t, MetaPath, p.Files[1].Path)
	require.Equal(t, qmstage.MetaJSON(), p.Files[1].Body)
	require.Equal(t, "osbuild", p.Requires.String())

	_, err = RPMPackage([]byte("#!/bin/sh\n"), "0.2.0", "1")
	var ie *rpmspec.InputError
	require.ErrorAs(t, err, &ie)
	require.Equal(t, "--binary", ie.Field)
}

func TestPackageVersion(t *testing.T) {
	for in, want := range map[string]string{
		"0.0.0-dev":                  "0.0.0~dev",
		"0.0.0-dev+gabc1234":         "0.0.0~dev+gabc1234",
		"v0.3.1":                     "0.3.1",
		"0.3.2-dev.4+gabc1234.dirty": "0.3.2~dev.4+gabc1234.dirty",
		"0.3.0-rc1.dev.2+gabc1234":   "0.3.0~rc1.dev.2+gabc1234",
		"v0.3.1-4-gabc1234-dirty":    "0.3.1~4.gabc1234.dirty",
		"abc1234":                    "abc1234",
		"":                           "0",
	} {
		t.Run(in, func(t *testing.T) {
			got := PackageVersion(in)
			require.Equal(t, want, got)
			require.NoError(t, rpmspec.ValidateVersion("version", got))
		})
	}
}

// elfHeader is a minimal 64-bit ELF header for a machine, enough for
// debug/elf.
func elfHeader(machine uint16, bigEndian bool) []byte {
	h := make([]byte, 64)
	copy(h, "\x7fELF")
	h[4] = 2 // ELFCLASS64
	h[5] = 1 // ELFDATA2LSB
	put16 := func(off int, v uint16) { h[off], h[off+1] = byte(v), byte(v>>8) }
	if bigEndian {
		h[5] = 2
		put16 = func(off int, v uint16) { h[off], h[off+1] = byte(v>>8), byte(v) }
	}
	h[6] = 1 // EV_CURRENT
	put16(16, 2)
	put16(18, machine)
	h[20] = 1
	if bigEndian {
		h[20], h[23] = 0, 1
	}
	put16(52, 64)
	return h
}

func TestELFArch(t *testing.T) {
	for _, tc := range []struct {
		name    string
		machine uint16
		big     bool
		want    string
	}{
		{"x86_64", 62, false, "x86_64"},
		{"aarch64", 183, false, "aarch64"},
		{"ppc64le", 21, false, "ppc64le"},
		{"ppc64", 21, true, "ppc64"},
		{"s390x", 22, true, "s390x"},
		{"riscv64", 243, false, "riscv64"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ELFArch(elfHeader(tc.machine, tc.big))
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
	_, err := ELFArch(elfHeader(2, true)) // EM_SPARC
	require.ErrorContains(t, err, "has no rpm architecture here")
}
