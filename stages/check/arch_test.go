package check

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/stages/check/target"
	"github.com/qm-build/qm-build/test/verifiers"
)

// crossELF is one tiny static program per architecture, by arch name.
func crossELF(t testing.TB) map[string][]byte {
	t.Helper()
	const msg = "hello from qm-build's arch test"
	return map[string][]byte{
		"x86_64":  verifiers.GoProgram(t, "amd64", "-s -w", msg),
		"aarch64": verifiers.GoProgram(t, "arm64", "-s -w", msg),
	}
}

// writeExe writes an executable file, making its parents.
func writeExe(t *testing.T, data []byte, dst string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(dst), 0o755))
	require.NoError(t, os.WriteFile(dst, data, 0o755))
}

// TestForeignELFIsCaught: an aarch64 tree carrying one x86_64 program.
func TestForeignELFIsCaught(t *testing.T) {
	bins := crossELF(t)
	dir := t.TempDir()
	// The arm64 build really is an aarch64 program: qemu runs it.
	arm := filepath.Join(t.TempDir(), "hello-aarch64")
	writeExe(t, bins["aarch64"], arm)
	r := verifiers.Run(t, verifiers.Need(t, "qemu-aarch64-static"), arm)
	require.Equal(t, 0, r.Code, r.Stderr)
	require.Contains(t, r.Stderr, "hello from qm-build's arch test")

	for _, p := range []string{"usr/bin/a", "usr/bin/b", "usr/lib/qm/rootfs/usr/bin/c"} {
		writeExe(t, bins["aarch64"], filepath.Join(dir, p))
	}
	writeExe(t, bins["x86_64"], filepath.Join(dir, "usr/lib/qm/rootfs/usr/libexec/intruder"))
	writeExe(t, bins["x86_64"], filepath.Join(dir, "usr/lib/firmware/dsp.elf")) // firmware is exempt

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
	for arch, data := range crossELF(t) {
		ef := parseELFHeader("/x", data[:64])
		require.NotNil(t, ef)
		require.Equal(t, arch, archName(ef.Machine, ef.Order))
	}
	require.Nil(t, parseELFHeader("/x", append([]byte("\x7fELF\x07\x01"), make([]byte, 60)...)), "bad class")
	require.Nil(t, parseELFHeader("/x", []byte("\x7fELF\x02\x01\x01")), "short header")
}
