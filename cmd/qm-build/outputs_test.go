package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/test/composed"
	"github.com/qm-build/qm-build/test/verifiers"
)

// tarOf is `tar --sort=name --numeric-owner -cf - .` of dir: every path with
// its type, mode, owner, time, content and link target, byte for byte.
func tarOf(t testing.TB, dir string) []byte {
	t.Helper()
	cmd := exec.Command(verifiers.Need(t, "tar"), "--sort=name", "--numeric-owner", "-C", dir, "-cf", "-", ".")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	require.NoError(t, cmd.Run(), errb.String())
	return out.Bytes()
}

// requireSameTar compares two directories as tar archives them, showing
// tar's listing of both when they differ.
func requireSameTar(t testing.TB, want, got, msg string) {
	t.Helper()
	if bytes.Equal(tarOf(t, want), tarOf(t, got)) {
		return
	}
	list := func(dir string) string {
		out, err := exec.Command("tar", "--sort=name", "--numeric-owner", "--full-time", "-C", dir, "-cvvf", "/dev/null", ".").Output()
		require.NoError(t, err)
		return string(out)
	}
	require.Equal(t, list(want), list(got), msg)
	require.Fail(t, msg, "the archives differ in file contents only")
}

// buildPlans is the table of plans the A→B test runs in every order.
func buildPlans(t testing.TB) []struct {
	name string
	args []string
} {
	return []struct {
		name string
		args []string
	}{
		{"defaults", nil},
		{"kvm, memory", []string{"--dropin", "kvm", "--memory-max", "2G", "--memory-high", "1536M"}},
		{"all drop-ins, devices", []string{"--dropin", "all", "--device", "/dev/null", "--volume", "/srv/maps:/srv/maps:ro"}},
		{"TCP controller", []string{"--hostname", "car1", "--controller-host", "10.0.0.1", "--controller-port", "2020"}},
		{"socket, var partition", []string{"--controller-socket", "--var-partition", "--writable", "--timezone", "Europe/Berlin"}},
		{"user drop-in, 1.2", []string{"--pkg-version", "1.2", "--dropin-dir", composed.UserDropinDir(t), "--dropin", "front-camera"}},
	}
}

// TestBuildPlanChangeGivesTheOutOfTheNewPlanAlone: for every pair of plans
// A→B, `build --out OUT` with A then B leaves the OUT that B alone gives, to
// the byte (tar of the whole OUT: RPMs, repository, tree, reports, with
// every mode and time): nothing of A survives (issue 12.2).
func TestBuildPlanChangeGivesTheOutOfTheNewPlanAlone(t *testing.T) {
	vars := []string{treeEpoch, "QM_BUILD_CACHE=" + t.TempDir()}
	plans := buildPlans(t)
	alone := map[string]string{}
	for _, p := range plans {
		out := filepath.Join(t.TempDir(), "out")
		r := runCLI(t, vars, append([]string{"build", "--out", out}, p.args...)...)
		require.Equal(t, exitOK, r.code, "%s: %s", p.name, r.stderr)
		alone[p.name] = out
	}
	for _, a := range plans {
		for _, b := range plans {
			t.Run(a.name+" → "+b.name, func(t *testing.T) {
				out := filepath.Join(t.TempDir(), "out")
				for _, p := range [][]string{a.args, b.args} {
					r := runCLI(t, vars, append([]string{"build", "--out", out}, p...)...)
					require.Equal(t, exitOK, r.code, r.stderr)
				}
				requireSameTar(t, alone[b.name], out, "A then B differs from B alone")
				entries, err := os.ReadDir(filepath.Dir(out))
				require.NoError(t, err)
				require.Len(t, entries, 1, "nothing is left beside OUT: %v", entries)
			})
		}
	}
}

// TestBuildOutConfinement plants symlinks where `build --out o` writes
// (issue 17.3): o itself, and o/tree, o/rpms, o/selinux, o/repo, o/check.json
// are refused with exit 2 naming --out and the entry; a link deeper down
// (o/tree/etc) is never followed: the old o is swapped out and removed
// without following links. Nothing outside changes in any case.
func TestBuildOutConfinement(t *testing.T) {
	for _, tc := range []struct {
		name string
		link string // under the parent of o; "" for o itself
		file bool   // the link points at a file
		want string // "" means the build succeeds
	}{
		{"o itself", "o", false, "--out %s: is a symlink; the directory is replaced as a whole and a link in its place is never followed"},
		{"o/tree", "o/tree", false, `--out %s: holds "tree", a symlink, which is never followed`},
		{"o/rpms", "o/rpms", false, `--out %s: holds "rpms", a symlink`},
		{"o/selinux", "o/selinux", false, `--out %s: holds "selinux", a symlink`},
		{"o/repo", "o/repo", false, `--out %s: holds "repo", a symlink`},
		{"o/check.json", "o/check.json", true, `--out %s: holds "check.json", a symlink`},
		{"o/tree/etc, deeper", "o/tree/etc", false, ""},
		{"o/tree/usr/share/qm/qm-build.manifest, deeper", "o/tree/usr/share/qm/qm-build.manifest", true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parent, outside := t.TempDir(), t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(outside, "victim"), []byte("keep\n"), 0o644))
			o := filepath.Join(parent, "o")
			target := outside
			if tc.file {
				target = filepath.Join(outside, "victim")
			}
			require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(parent, tc.link)), 0o755))
			require.NoError(t, os.Symlink(target, filepath.Join(parent, tc.link)))
			outsideBefore, parentBefore := tarOf(t, outside), treeListing(t, parent)
			r := runCLI(t, []string{treeEpoch, "QM_BUILD_CACHE=off"}, "build", "--out", o, "--dropin", "kvm")
			require.Equal(t, outsideBefore, tarOf(t, outside), "the build wrote outside o")
			if tc.want != "" {
				require.Equal(t, exitBadInput, r.code, r.stderr)
				require.Contains(t, r.stderr, strings.ReplaceAll(tc.want, "%s", o))
				require.Equal(t, parentBefore, treeListing(t, parent), "the refused build changed o")
				return
			}
			require.Equal(t, exitOK, r.code, r.stderr)
			fi, err := os.Lstat(filepath.Join(parent, tc.link))
			require.NoError(t, err)
			require.False(t, fi.Mode()&os.ModeSymlink != 0, "the planted link is gone with the old o")
		})
	}
}

// TestOutFlagIsBadInputWhenEmpty: an empty --out is bad input naming the
// flag (exit 2).
func TestOutFlagIsBadInputWhenEmpty(t *testing.T) {
	for _, cmd := range []string{"build", "rpm"} {
		r := runCLI(t, []string{treeEpoch}, cmd, "--out", "")
		require.Equal(t, exitBadInput, r.code, r.stderr)
		require.Contains(t, r.stderr, "--out: the path is empty")
	}
}

// TestBuildExitsOneOnItsCheck: a plan the gate rejects (Network=host,
// QM107) is built, OUT is written with the report, and the exit status is 1
// (issue 12.3).
func TestBuildExitsOneOnItsCheck(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	r := runCLI(t, []string{treeEpoch, "QM_BUILD_CACHE=off"}, "build", "--out", out, "--network", "host")
	require.Equal(t, exitFailure, r.code, r.stderr)
	require.Contains(t, r.stderr, "qm-build build: check: the tree has 1 error(s) (see "+filepath.Join(out, "check.json")+")")
	data, err := os.ReadFile(filepath.Join(out, "check.json"))
	require.NoError(t, err)
	var rep struct{ Errors []struct{ Rule string } }
	require.NoError(t, json.Unmarshal(data, &rep))
	require.Len(t, rep.Errors, 1)
	require.Equal(t, "QM107", rep.Errors[0].Rule)
}

// forbiddenSamples is a device of each row of rootfs.ForbiddenDevices.
var forbiddenSamples = map[string]string{
	"mem": "/dev/mem", "kmem": "/dev/kmem", "port": "/dev/port", "console": "/dev/console", "kmsg": "/dev/kmsg",
	"(sd|hd|vd|xvd)[a-z]+[0-9]*": "/dev/sda1", "nvme[0-9].*": "/dev/nvme0n1p2", "mmcblk[0-9].*": "/dev/mmcblk0",
	"loop[0-9]*": "/dev/loop7", "loop-control": "/dev/loop-control", "dm-[0-9]+": "/dev/dm-0", "md[0-9]+": "/dev/md127",
	"sr[0-9]+": "/dev/sr0", "nbd[0-9]+": "/dev/nbd3", "zram[0-9]+": "/dev/zram0", "ram[0-9]+": "/dev/ram1",
	"mtdblock[0-9]+": "/dev/mtdblock0", "mapper(/.*)?": "/dev/mapper/root", "disk(/.*)?": "/dev/disk/by-id/x",
	"block(/.*)?": "/dev/block/by-name/system", "root": "/dev/root", "sg[0-9]+": "/dev/sg0", "bsg(/.*)?": "/dev/bsg/ufs-bsg0",
	"mtd[0-9].*": "/dev/mtd0ro", "cpu(/.*)?": "/dev/cpu/0/msr", "watchdog[0-9]*": "/dev/watchdog0", "uinput": "/dev/uinput",
}

// TestForbiddenDevicesOneTable: every row of rootfs.ForbiddenDevices is
// refused up front by --device (exit 2, naming the flag, before anything is
// written) and reported by the checker's QM110 in a tree that has it: one
// table, two readers.
func TestForbiddenDevicesOneTable(t *testing.T) {
	table := rootfs.ForbiddenDevices()
	require.Len(t, forbiddenSamples, len(table), "give every row of rootfs.ForbiddenDevices a sample")
	tree := t.TempDir()
	r := runCLI(t, []string{treeEpoch}, "rootfs", "--root", tree)
	require.Equal(t, exitOK, r.code, r.stderr)
	dropin := filepath.Join(tree, "etc/containers/systemd/qm.container.d/zz-test.conf")
	var lines []string
	for _, row := range table {
		dev, ok := forbiddenSamples[row.Pattern]
		require.True(t, ok, "no sample for %s", row.Pattern)
		t.Run(dev, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			r := runCLI(t, []string{treeEpoch}, "build", "--out", out, "--device", dev+":/dev/x:rw")
			require.Equal(t, exitBadInput, r.code, r.stderr)
			require.Contains(t, r.stderr, "--device: ")
			require.Contains(t, r.stderr, "QM must never get "+dev+": it "+row.Why)
			require.NoDirExists(t, out)
		})
		lines = append(lines, "AddDevice=-"+dev)
	}
	require.NoError(t, os.WriteFile(dropin, []byte("[Container]\n"+strings.Join(lines, "\n")+"\n"), 0o644))
	r = runCLI(t, nil, "check", tree, "--output", "json")
	require.Equal(t, exitFailure, r.code, r.stderr)
	var rep struct {
		Errors []struct{ Rule, Message string }
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep))
	flagged := map[string]bool{}
	for _, e := range rep.Errors {
		if e.Rule == "QM110" {
			for _, dev := range forbiddenSamples {
				if strings.Contains(e.Message, "host device "+dev) {
					flagged[dev] = true
				}
			}
		}
	}
	for _, dev := range forbiddenSamples {
		require.True(t, flagged[dev], "QM110 does not report %s", dev)
	}
}

// TestRootfsAcrossMounts: a tree whose /var is a file system of its own (as
// when an image's partitions are mounted under one directory) gets the same
// content as a plain directory, A→B included: the files for /var are staged
// on /var's file system (a rename never crosses a mount). It runs in a
// private mount namespace (unshare --mount --map-root-user) with a tmpfs on
// TREE/var, and compares tar archives made inside it.
func TestRootfsAcrossMounts(t *testing.T) {
	unshare := verifiers.Need(t, "unshare")
	exe, err := os.Executable()
	require.NoError(t, err)
	base := t.TempDir()
	for _, d := range []string{"mounted/var", "plain/var"} {
		require.NoError(t, os.MkdirAll(filepath.Join(base, d), 0o755))
	}
	script := `set -e
mount -t tmpfs -o mode=0755 tmpfs "$B/mounted/var"
for t in mounted plain; do
  touch -d @1600000000 "$B/$t/var" "$B/$t"
  "$QMB" rootfs --root "$B/$t" --dropin all --var-partition >/dev/null
  "$QMB" rootfs --root "$B/$t" --dropin kvm >/dev/null
  tar --sort=name --numeric-owner -C "$B/$t" -cf "$B/$t.tar" .
done
test "$(stat -f -c %T "$B/mounted/var")" = tmpfs
`
	cmd := exec.Command(unshare, "--mount", "--map-root-user", "--propagation", "private", "sh", "-c", script)
	cmd.Env = append(os.Environ(), "QM_BUILD_AS_MAIN=1", "QMB="+exe, "B="+base, treeEpoch, "QM_BUILD_CACHE=off")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	mounted, err := os.ReadFile(filepath.Join(base, "mounted.tar"))
	require.NoError(t, err)
	plain, err := os.ReadFile(filepath.Join(base, "plain.tar"))
	require.NoError(t, err)
	require.True(t, bytes.Equal(plain, mounted), "the tree with /var mounted differs from the plain one")
}
