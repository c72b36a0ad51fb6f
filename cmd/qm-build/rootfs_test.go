package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/test/golden"
)

const treeEpoch = "SOURCE_DATE_EPOCH=1700000000"

// treeListing lists a tree one path a line: path, type, mode, owner
// (uid:gid, or "-" when the test does not run as root and so cannot set
// owners), size and sha256 of regular files, and symlink targets.
func treeListing(t *testing.T, dir string) string {
	t.Helper()
	var lines []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		require.NoError(t, err)
		if p == dir {
			return nil
		}
		fi, err := os.Lstat(p)
		require.NoError(t, err)
		rel := "/" + filepath.ToSlash(strings.TrimPrefix(p, dir+"/"))
		owner := "-"
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && os.Geteuid() == 0 {
			owner = fmt.Sprintf("%d:%d", st.Uid, st.Gid)
		}
		mode := fmt.Sprintf("%04o", uint32(fi.Mode().Perm())|specialBits(fi.Mode()))
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			require.NoError(t, err)
			lines = append(lines, fmt.Sprintf("%s symlink %s %s -> %s", rel, mode, owner, target))
		case fi.IsDir():
			lines = append(lines, fmt.Sprintf("%s dir %s %s", rel, mode, owner))
		default:
			b, err := os.ReadFile(p)
			require.NoError(t, err)
			sum := sha256.Sum256(b)
			lines = append(lines, fmt.Sprintf("%s file %s %s %d %s", rel, mode, owner, len(b), hex.EncodeToString(sum[:])))
		}
		return nil
	}))
	sort.Strings(lines)
	return strings.Join(lines, "\n") + "\n"
}

func specialBits(m fs.FileMode) uint32 {
	var b uint32
	if m&fs.ModeSetuid != 0 {
		b |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		b |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		b |= 0o1000
	}
	return b
}

// withoutOwners drops the owner column, for runs that cannot set owners.
func withoutOwners(listing string) string {
	var out []string
	for _, l := range strings.Split(listing, "\n") {
		f := strings.Fields(l)
		if len(f) >= 4 {
			f[3] = "-"
		}
		out = append(out, strings.Join(f, " "))
	}
	return strings.Join(out, "\n")
}

// TestRootfsGoldenTree writes QM's content into an empty tree with
// `qm-build rootfs` and compares the tree with a checked-in listing (path,
// mode, owner, sha256). A change to what images get must show up here.
// Regenerate with `go test ./cmd/qm-build -run TestRootfsGoldenTree -update`.
func TestRootfsGoldenTree(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"default", nil},
		{"all", []string{"--dropin", "all", "--memory-max", "2G", "--memory-high", "1536M", "--cpu-weight", "100",
			"--writable", "--network", "host", "--var-partition", "--timezone", "Europe/Berlin",
			"--volume", "/srv/maps:/srv/maps:ro", "--device", "/dev/null", "--hostname", "car1", "--controller-socket"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			r := runCLI(t, []string{treeEpoch}, append([]string{"rootfs", "--root", dir}, tc.args...)...)
			require.Equal(t, exitOK, r.code, r.stderr)
			got := treeListing(t, dir)
			path := filepath.Join("testdata", "tree-"+tc.name+".golden")
			if golden.Update() {
				require.NoError(t, os.MkdirAll("testdata", 0o755))
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run go test ./cmd/qm-build -run TestRootfsGoldenTree -update")
			if os.Geteuid() != 0 {
				require.Equal(t, withoutOwners(string(want)), withoutOwners(got))
				return
			}
			require.Equal(t, string(want), got)
		})
	}
}

func TestRootfsIsReproducibleAndIdempotent(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	for _, dir := range []string{a, b, b} {
		r := runCLI(t, []string{treeEpoch}, "rootfs", "--root", dir, "--dropin", "kvm,sound")
		require.Equal(t, exitOK, r.code, r.stderr)
	}
	require.Equal(t, treeListing(t, a), treeListing(t, b))
}

func TestRootfsBadInput(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	brokenTree := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(brokenTree, "etc/bluechi"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(brokenTree, "etc/bluechi/agent.conf"), []byte("[bluechi-agent\nNodeName=x\n"), 0o644))
	escaping := t.TempDir()
	outside := t.TempDir()
	require.NoError(t, os.Symlink(outside, filepath.Join(escaping, "etc")))
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no --root", nil, "--root is required"},
		{"missing root", []string{"--root", missing}, "--root " + missing + ": not a directory"},
		{"malformed size", []string{"--root", t.TempDir(), "--memory-max", "12XB"}, "--memory-max: \"12XB\" is not a memory size"},
		{"unknown network", []string{"--root", t.TempDir(), "--network", "wifi"}, "--network: unknown network mode \"wifi\""},
		{"invalid hostname", []string{"--root", t.TempDir(), "--hostname", "qm_host"}, "--hostname: "},
		{"bad volume", []string{"--root", t.TempDir(), "--volume", "relative:/x"}, "--volume: "},
		{"bad device", []string{"--root", t.TempDir(), "--device", "/etc/passwd"}, "--device: "},
		{"unparsable host agent.conf", []string{"--root", brokenTree}, filepath.Join(brokenTree, "etc/bluechi/agent.conf") + ":1: invalid section header"},
		{"symlink out of the tree", []string{"--root", escaping}, "escapes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, nil, append([]string{"rootfs"}, tc.args...)...)
			require.Equal(t, exitBadInput, r.code, r.stderr)
			require.Contains(t, r.stderr, tc.want)
		})
	}
	entries, err := os.ReadDir(outside)
	require.NoError(t, err)
	require.Empty(t, entries, "nothing was written outside the tree")
}

func TestRootfsJSONSummary(t *testing.T) {
	dir := t.TempDir()
	r := runCLI(t, []string{treeEpoch}, "rootfs", "--root", dir, "--controller-socket", "--hostname", "car1", "--output", "json")
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Contains(t, r.stdout, `"notes": [`)
	require.Contains(t, r.stdout, "AllowedNodeNames=qm.car1")
	require.Contains(t, r.stdout, `"path": "/etc/qm/bluechi/agent.conf.d/agent.conf"`)
}
