package check

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/stages/check/target"
	"github.com/qm-build/qm-build/test/verifiers"
)

// crossDir holds the programs crossBinaries built (TestMain removes it).
var crossDir string

// crossBinaries cross-compiles one tiny static program per architecture.
var crossBinaries = sync.OnceValues(func() (map[string]string, error) {
	dir, err := os.MkdirTemp("", "qm-build-check-elf-*")
	if err != nil {
		return nil, err
	}
	crossDir = dir
	src := "package main\n\nfunc main() { println(\"hello from qm-build's arch test\") }\n"
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module elftest\n\ngo 1.21\n"), 0o644); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for arch, goarch := range map[string]string{"x86_64": "amd64", "aarch64": "arm64"} {
		bin := filepath.Join(dir, arch)
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, ".")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED=0", "GOFLAGS=")
		if b, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go build for %s: %v\n%s", goarch, err, b)
		}
		out[arch] = bin
	}
	return out, nil
})

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Dir(dst), 0o755))
	require.NoError(t, os.WriteFile(dst, data, 0o755))
}

// TestForeignELFIsCaught: an aarch64 tree carrying one x86_64 program.
func TestForeignELFIsCaught(t *testing.T) {
	bins, err := crossBinaries()
	require.NoError(t, err)
	// The arm64 build really is an aarch64 program: qemu runs it.
	r := verifiers.Run(t, verifiers.Need(t, "qemu-aarch64-static"), bins["aarch64"])
	require.Equal(t, 0, r.Code, r.Stderr)
	require.Contains(t, r.Stderr, "hello from qm-build's arch test")

	dir := t.TempDir()
	for _, p := range []string{"usr/bin/a", "usr/bin/b", "usr/lib/qm/rootfs/usr/bin/c"} {
		copyFile(t, bins["aarch64"], filepath.Join(dir, p))
	}
	copyFile(t, bins["x86_64"], filepath.Join(dir, "usr/lib/qm/rootfs/usr/libexec/intruder"))
	copyFile(t, bins["x86_64"], filepath.Join(dir, "usr/lib/firmware/dsp.elf")) // firmware is exempt

	for _, tc := range []struct {
		name, arch string
		want       []string
	}{
		{"--arch aarch64", "aarch64", []string{"/usr/lib/qm/rootfs/usr/libexec/intruder"}},
		{"no --arch: the image's majority", "", []string{"/usr/lib/qm/rootfs/usr/libexec/intruder"}},
		{"--arch x86_64", "x86_64", []string{"/usr/bin/a", "/usr/bin/b", "/usr/lib/qm/rootfs/usr/bin/c"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tg, err := target.Open(dir, target.Options{})
			require.NoError(t, err)
			defer tg.Close()
			rep, err := Run(context.Background(), tg, Options{Arch: tc.arch, Rules: []Rule{ruleQM701}})
			require.NoError(t, err)
			var got []string
			for _, f := range rep.Errors {
				require.Equal(t, "QM701", f.Rule)
				got = append(got, f.Path)
			}
			require.Equal(t, tc.want, got)
			if tc.arch == "aarch64" {
				require.Equal(t, "/usr/lib/qm/rootfs/usr/libexec/intruder: QM701 error: is an x86_64 ELF file (EM_X86_64, ELFCLASS64) in an aarch64 image", rep.Errors[0].String())
			}
		})
	}
}

func TestParseELFHeader(t *testing.T) {
	bins, err := crossBinaries()
	require.NoError(t, err)
	for arch, bin := range bins {
		data, err := os.ReadFile(bin)
		require.NoError(t, err)
		ef := parseELFHeader("/x", data[:64])
		require.NotNil(t, ef)
		require.Equal(t, arch, archName(ef.Machine))
	}
	require.Nil(t, parseELFHeader("/x", append([]byte("\x7fELF\x07\x01"), make([]byte, 60)...)), "bad class")
	require.Nil(t, parseELFHeader("/x", []byte("\x7fELF\x02\x01\x01")), "short header")
}
