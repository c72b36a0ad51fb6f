package main

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/test/verifiers"
)

// reproArgs is a build that writes every kind of output: every drop-in
// (files, directories, nested quadlets), the BlueChi socket drop-in, the
// qm-kvm… RPMs and their repository, and the tree's symlinks.
var reproArgs = []string{"build", "--dropin", "all", "--controller-socket", "--memory-max", "2G"}

// TestBuildIsReproducibleToTheLastTimestamp (issue 12.5): with
// SOURCE_DATE_EPOCH, two builds into different directories, at different
// moments, each compiling the SELinux module afresh, give the same OUT to
// the byte as `tar --sort=name --numeric-owner -cf -` archives it: every
// file, directory (OUT's and the tree's root included) and symlink has the
// epoch. Then the same build by qm-build compiled for another architecture
// (arm64, or amd64 on an arm64 host), run under qemu-user explicitly (binfmt
// is not needed), gives the same bytes again.
func TestBuildIsReproducibleToTheLastTimestamp(t *testing.T) {
	tarBin := verifiers.Need(t, "tar")
	native := filepath.Join(t.TempDir(), "out")
	r := runCLI(t, []string{treeEpoch, "QM_BUILD_CACHE=" + t.TempDir()}, append(reproArgs, "--out", native)...)
	require.Equal(t, exitOK, r.code, r.stderr)
	again := filepath.Join(t.TempDir(), "elsewhere", "another-name")
	r = runCLI(t, []string{treeEpoch, "QM_BUILD_CACHE=" + t.TempDir()}, append(reproArgs, "--out", again)...)
	require.Equal(t, exitOK, r.code, r.stderr)
	requireSameTar(t, native, again, "two native builds differ")

	out, err := exec.Command(tarBin, "--sort=name", "--numeric-owner", "--full-time", "-C", native, "-cvvf", "/dev/null", ".").Output()
	require.NoError(t, err)
	require.Contains(t, string(out), "2023-11-14 22:13:20 ./\n", "OUT itself carries the epoch")
	require.Contains(t, string(out), "2023-11-14 22:13:20 ./tree/etc/qm/systemd/system/multi-user.target.wants/bluechi-agent.service -> ", "symlinks carry the epoch")
	require.NotRegexp(t, `20(2[4-9]|[3-9][0-9])-`, string(out), "a path has a time other than the epoch")

	goarch, qemu := "arm64", "qemu-aarch64-static"
	if runtime.GOARCH == "arm64" {
		goarch, qemu = "amd64", "qemu-x86_64-static"
	}
	t.Run("qm-build for "+goarch+" under "+qemu, func(t *testing.T) {
		qemuBin := verifiers.Need(t, qemu)
		bin := crossBinary(t, goarch)
		foreign := filepath.Join(t.TempDir(), "out")
		cmd := exec.Command(qemuBin, append([]string{bin}, append(reproArgs, "--out", foreign)...)...)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), treeEpoch, "QM_BUILD_CACHE=" + t.TempDir(), "HOME=" + t.TempDir()}
		res, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", res)
		requireSameTar(t, native, foreign, "the "+goarch+" build differs from the native one")
	})
}

// crossBinary builds qm-build for linux/goarch (as `make build` does) and
// checks that the result is an ELF file of that architecture.
func crossBinary(t *testing.T, goarch string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "qm-build-"+goarch)
	cmd := exec.Command(verifiers.Need(t, "go"), "build", "-trimpath", "-o", bin, "./cmd/qm-build")
	cmd.Dir = verifiers.RepoRoot(t)
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED=0",
		"GOFLAGS=-tags=containers_image_openpgp,exclude_graphdriver_btrfs -buildvcs=false")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	f, err := elf.Open(bin)
	require.NoError(t, err)
	defer f.Close()
	want := map[string]elf.Machine{"arm64": elf.EM_AARCH64, "amd64": elf.EM_X86_64}[goarch]
	require.Equal(t, want, f.Machine, "the %s build", goarch)
	return bin
}
