package osbuildstage

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/rpmspec/rpm"
	"github.com/qm-build/qm-build/test/rpmlint"
	"github.com/qm-build/qm-build/test/verifiers"
)

// buildStageBinary builds qm-build as `make build` does for
// `make osbuild-stage-rpm`: static (CGO_ENABLED=0), -trimpath, stripped.
func buildStageBinary(t *testing.T) []byte {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "qm-build")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w",
		"-tags", "containers_image_openpgp,exclude_graphdriver_btrfs", "-o", bin, "./cmd/qm-build")
	cmd.Dir = verifiers.RepoRoot(t)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "building qm-build:\n%s", out)
	data, err := os.ReadFile(bin)
	require.NoError(t, err)
	return data
}

// TestRPMWithRealTools writes osbuild-stage-qm around the stage binary users
// get and checks it with rpm and rpmlint: digests, the file classes and
// colors rpmlint's binary checks read, rpmlint with no error and no
// unexplained warning, and an install that `rpm -V` verifies.
func TestRPMWithRealTools(t *testing.T) {
	rpmBin := verifiers.Need(t, "rpm")
	exe := buildStageBinary(t)
	p, err := RPMPackage(exe, "0.1.0", "1")
	require.NoError(t, err)
	dir := t.TempDir()
	names, err := rpm.WriteDir(dir, []*rpmspec.Package{p}, rpm.Options{BuildTime: time.Unix(1700000000, 0)})
	require.NoError(t, err)
	pkg := filepath.Join(dir, names[0])
	tool := verifiers.Cmd{Env: []string{"HOME=" + verifiers.ScratchHome(t)}}

	t.Run("digests", func(t *testing.T) {
		res := tool.Run(t, rpmBin, "-K", pkg)
		require.Equal(t, 0, res.Code, res.Stdout+res.Stderr)
		require.Contains(t, res.Stdout, "digests OK")
	})
	t.Run("file classes", func(t *testing.T) {
		res := tool.Run(t, rpmBin, "-qp", "--qf", "[%{FILENAMES}|%{FILECOLORS}|%{FILECLASS}\n]", pkg)
		require.Equal(t, 0, res.Code, res.Stderr)
		lines := strings.Split(strings.TrimSuffix(res.Stdout, "\n"), "\n")
		require.Len(t, lines, 2)
		// What rpmlint's BinariesCheck reads: an ELF executable ("ELF "
		// first), statically linked, stripped; color RPMFC_ELF64.
		machine := map[string]string{"amd64": "x86-64", "arm64": "ARM aarch64"}[runtime.GOARCH]
		require.Regexp(t, `^`+StagePath+`\|2\|ELF 64-bit LSB executable, `+machine+`, version 1 \(SYSV\), statically linked, Go BuildID=\S+, BuildID\[sha1\]=[0-9a-f]{40}, stripped$`, lines[0])
		require.Equal(t, MetaPath+"|0|JSON text data", lines[1])
	})
	t.Run("rpmlint", func(t *testing.T) {
		res := rpmlint.Run(t, pkg)
		require.Equal(t, 0, res.Code, res.Stdout+res.Stderr)
		require.Contains(t, res.Stdout, "1 packages and 0 specfiles checked; 0 errors, 0 warnings", res.Stdout)
	})
	t.Run("rpmlint sees the binary", func(t *testing.T) {
		// Without the two filters for the stage, rpmlint reports what its
		// ELF checks find (readelf on the unpacked binary), and nothing
		// that says it found no binary.
		config, err := os.ReadFile(rpmlint.Config(t))
		require.NoError(t, err)
		var kept []string
		for _, l := range strings.Split(string(config), "\n") {
			if !strings.Contains(l, "/usr/lib/osbuild/stages/") {
				kept = append(kept, l)
			}
		}
		unfiltered := filepath.Join(t.TempDir(), "unfiltered.toml")
		require.NoError(t, os.WriteFile(unfiltered, []byte(strings.Join(kept, "\n")), 0o644))
		res := rpmlint.RunConfig(t, unfiltered, pkg)
		require.Contains(t, res.Stdout, "E: statically-linked-binary "+StagePath)
		require.Contains(t, res.Stdout, "W: position-independent-executable-suggested "+StagePath)
		for _, absent := range []string{"no-binary", "only-non-binary-in-usr-lib", "readelf-failed", "unstripped-binary-or-object"} {
			require.NotContains(t, res.Stdout, absent)
		}
	})
	t.Run("install and verify", func(t *testing.T) {
		root := t.TempDir()
		in := func(args ...string) verifiers.Result {
			return tool.Run(t, rpmBin, append([]string{"--root", root, "--dbpath", "/var/lib/rpm"}, args...)...)
		}
		require.Equal(t, 0, in("--initdb").Code)
		res := in("-ivh", "--nodeps", "--force-debian", pkg) // Debian's rpm needs --force-debian
		require.Equal(t, 0, res.Code, res.Stdout+res.Stderr)
		res = in("-V", "--nodeps", RPMName) // osbuild itself is not installed

		require.Equal(t, 0, res.Code, res.Stdout+res.Stderr)
		got, err := os.ReadFile(filepath.Join(root, StagePath))
		require.NoError(t, err)
		require.True(t, string(exe) == string(got), "the installed stage is not the packaged binary")
	})
}
