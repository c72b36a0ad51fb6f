package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/stages/osbuildstage"
)

// stageEpoch is the source epoch the harness gives the stage, as osbuild does
// both in the arguments' meta and in SOURCE_DATE_EPOCH.
const stageEpoch = 1700000000

// fixtureTime is the modification time of every path of a host fixture tree,
// so that two fixtures are identical to the nanosecond.
var fixtureTime = time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)

// makeHostTree writes a small image tree as osbuild would hand it to the
// stage: a host BlueChi agent, a local time zone, podman's seccomp profile,
// the usual top directories.
func makeHostTree(t testing.TB, dir string) {
	t.Helper()
	for _, d := range []string{"etc/bluechi", "usr/share/zoneinfo/Europe", "usr/share/containers", "var", "usr/lib"} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, d), 0o755))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "etc/bluechi/agent.conf"), []byte("[bluechi-agent]\nNodeName=vehicle\nControllerHost=127.0.0.1\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "usr/share/zoneinfo/Europe/Berlin"), []byte("TZif2 fixture\n"), 0o644))
	require.NoError(t, os.Symlink("../usr/share/zoneinfo/Europe/Berlin", filepath.Join(dir, "etc/localtime")))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "usr/share/containers/seccomp.json"), []byte(hostSeccomp), 0o644))
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		tv := unix.NsecToTimeval(fixtureTime.UnixNano())
		return unix.Lutimes(p, []unix.Timeval{tv, tv})
	}))
}

// hostSeccomp is a small containers-common style seccomp profile.
const hostSeccomp = `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "defaultErrnoRet": 38,
  "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]}],
  "syscalls": [
    {"names": ["read", "write", "sched_setattr", "sched_setscheduler"], "action": "SCMP_ACT_ALLOW"}
  ]
}
`

// treeEntry is one path of a tree as the comparisons see it.
type treeEntry struct {
	Type   string
	Mode   fs.FileMode
	SHA256 string
	Target string
	MTime  time.Time // not for symlinks (written by rename, never touched)
}

// snapshot lists every path under dir except dir itself.
func snapshot(t *testing.T, dir string) map[string]treeEntry {
	t.Helper()
	out := map[string]treeEntry{}
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		e := treeEntry{Mode: fi.Mode(), MTime: fi.ModTime().UTC()}
		switch {
		case fi.IsDir():
			e.Type = "dir"
		case fi.Mode()&fs.ModeSymlink != 0:
			e.Type = "symlink"
			e.Target, _ = os.Readlink(p)
		default:
			e.Type = "file"
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			e.SHA256 = hex.EncodeToString(sum[:])
		}
		out["/"+filepath.ToSlash(rel)] = e
		return nil
	}))
	return out
}

// stageRun is one run of the stage the way osbuild runs it.
type stageRun struct {
	runDir string // stands in for /run/osbuild
	tree   string
	stdout string
	stderr string
	code   int
}

// writeArguments writes runDir/api/arguments as osbuild's
// Stage.prepare_arguments does.
func writeArguments(t testing.TB, runDir, tree string, options json.RawMessage) {
	t.Helper()
	args := map[string]any{
		"tree":    tree,
		"paths":   map[string]string{"devices": "/dev", "inputs": "/run/osbuild/inputs", "mounts": "/run/osbuild/mounts"},
		"devices": map[string]any{},
		"inputs":  map[string]any{},
		"mounts":  map[string]any{},
		"options": options,
		"meta":    map[string]any{"id": strings.Repeat("ab", 32), "source-epoch": stageEpoch},
	}
	data, err := json.Marshal(args)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(runDir, "api"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(runDir, "api", "arguments"), data, 0o644))
}

// stageBinaryLink is this test binary under the stage's name: main() then
// dispatches on argv[0] exactly as the installed stage does.
func stageBinaryLink(t testing.TB) string {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	link := filepath.Join(t.TempDir(), osbuildStageName)
	require.NoError(t, os.Symlink(exe, link))
	return link
}

// runStage runs the stage binary with runDir as /run/osbuild, in an
// environment like osbuild's (PATH, SOURCE_DATE_EPOCH).
func runStage(t testing.TB, bin, runDir string, extraEnv ...string) stageRun {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = append([]string{
		"QM_BUILD_AS_MAIN=1",
		osbuildstage.RunDirEnv + "=" + runDir,
		"PATH=" + os.Getenv("PATH"),
		fmt.Sprintf("SOURCE_DATE_EPOCH=%d", stageEpoch),
	}, extraEnv...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		require.True(t, ok, "starting the stage: %v", err)
		code = ee.ExitCode()
	}
	return stageRun{runDir: runDir, stdout: out.String(), stderr: errb.String(), code: code}
}

// stageCases are option sets with the `qm-build rootfs` flags that mean the
// same, and the allow file `qm-build check` needs for what they add beyond
// QM's defaults.
var stageCases = []struct {
	name    string
	options string
	flags   []string
	allow   string
}{
	{"defaults", `{}`, nil, ""},
	{"kvm with limits over the socket",
		`{"dropins": ["kvm"], "memory_max": "2G", "memory_high": "1536M", "cpu_weight": "20", "hostname": "ecu1", "bluechi_controller": {"socket": true}}`,
		[]string{"--dropin", "kvm", "--memory-max", "2G", "--memory-high", "1536M", "--cpu-weight", "20", "--hostname", "ecu1", "--controller-socket"}, ""},
	{"all drop-ins, writable, TCP controller",
		`{"dropins": ["all"], "writable": true, "var_partition": true, "timezone": "UTC", "volumes": ["/srv/maps:/maps:ro"], "devices": ["/dev/ttyUSB1"], "images": {"kvm": "localhost/kvm:2"}, "bluechi_controller": {"host": "127.0.0.1", "port": 2020}}`,
		[]string{"--dropin", "all", "--writable", "--var-partition", "--timezone", "UTC", "--volume", "/srv/maps:/maps:ro", "--device", "/dev/ttyUSB1", "--image", "kvm=localhost/kvm:2", "--controller-host", "127.0.0.1", "--controller-port", "2020"},
		"writable-qm\nvolume /srv/maps\ndevice /dev/ttyUSB1\n"},
}

// TestOsbuildStageHarness plays osbuild: arguments file, tree, the binary run
// as org.osbuild.qm. The tree must be byte-identical to what `qm-build
// rootfs` writes with the same options, and the metadata must list it.
func TestOsbuildStageHarness(t *testing.T) {
	bin := stageBinaryLink(t)
	for _, tc := range stageCases {
		t.Run(tc.name, func(t *testing.T) {
			stageTree, cliTree, runDir := t.TempDir(), t.TempDir(), t.TempDir()
			makeHostTree(t, stageTree)
			makeHostTree(t, cliTree)
			before := snapshot(t, stageTree)

			writeArguments(t, runDir, stageTree, json.RawMessage(tc.options))
			r := runStage(t, bin, runDir)
			require.Equal(t, exitOK, r.code, "stage failed: %s", r.stderr)
			require.Empty(t, r.stderr)

			cli := runCLI(t, []string{fmt.Sprintf("SOURCE_DATE_EPOCH=%d", stageEpoch)}, append([]string{"rootfs", "--root", cliTree}, tc.flags...)...)
			require.Equal(t, exitOK, cli.code, cli.stderr)

			got, want := snapshot(t, stageTree), snapshot(t, cliTree)
			require.Equal(t, want, got, "the stage's tree differs from qm-build rootfs's")

			md := readMetadata(t, runDir)
			requireMetadataListsTree(t, md, before, got)
			require.Equal(t, toolVersion, md.QMBuild)
			for _, f := range md.Files {
				require.Equal(t, time.Unix(stageEpoch, 0).UTC(), got[f.Path].MTime, "%s does not carry the source epoch", f.Path)
			}
		})
	}
}

func readMetadata(t *testing.T, runDir string) osbuildstage.Metadata {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(runDir, "meta"))
	require.NoError(t, err)
	var md osbuildstage.Metadata
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&md), "metadata: %s", data)
	return md
}

// requireMetadataListsTree: every entry of the metadata is in the tree as
// described, and every file or symlink the stage created is in the metadata.
func requireMetadataListsTree(t *testing.T, md osbuildstage.Metadata, before, after map[string]treeEntry) {
	t.Helper()
	listed := map[string]osbuildstage.FileEntry{}
	for _, f := range md.Files {
		listed[f.Path] = f
		e, ok := after[f.Path]
		require.True(t, ok, "metadata lists %s, which is not in the tree", f.Path)
		require.Equal(t, e.Type, f.Type, f.Path)
		require.Equal(t, fmt.Sprintf("%04o", modeBits(e.Mode)), f.Mode, f.Path)
		require.Equal(t, e.SHA256, f.SHA256, f.Path)
		require.Equal(t, e.Target, f.Target, f.Path)
	}
	require.NotEmpty(t, md.Files)
	for p, e := range after {
		if _, existed := before[p]; existed || e.Type == "dir" {
			continue
		}
		_, ok := listed[p]
		require.True(t, ok, "the stage wrote %s (%s) but the metadata does not list it", p, e.Type)
	}
}

func modeBits(m fs.FileMode) uint32 {
	v := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		v |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		v |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		v |= 0o1000
	}
	return v
}

// TestOsbuildStageBadInput: each row exits non-zero with one clear line on
// stderr and leaves the tree exactly as it was.
func TestOsbuildStageBadInput(t *testing.T) {
	bin := stageBinaryLink(t)
	for _, tc := range []struct {
		name    string
		options string
		setup   func(t *testing.T, runDir, tree string) string // returns the tree path to pass
		want    string
	}{
		{name: "unknown option", options: `{"memory_max": "2G", "frobnicate": true}`,
			want: "options.frobnicate: unknown option; known options: version, release"},
		{name: "wrong type", options: `{"writable": "yes"}`, want: "options.writable: must be a boolean, not string"},
		{name: "wrong type in the controller", options: `{"bluechi_controller": {"host": "h", "port": "842"}}`,
			want: "options.bluechi_controller.port: must be a number, not string"},
		{name: "unknown drop-in", options: `{"dropins": ["kvm", "teleport"]}`, want: `options.dropins[1]: unknown drop-in "teleport"`},
		{name: "tree does not exist", options: `{}`, want: "does-not-exist: no such file or directory",
			setup: func(t *testing.T, runDir, tree string) string { return filepath.Join(tree, "does-not-exist") }},
		{name: "tree is a file", options: `{}`, want: "agent.conf: not a directory",
			setup: func(t *testing.T, runDir, tree string) string { return filepath.Join(tree, "etc/bluechi/agent.conf") }},
		{name: "arguments file missing", want: "api/arguments: reading the arguments file: no such file or directory",
			setup: func(t *testing.T, runDir, tree string) string {
				require.NoError(t, os.Remove(filepath.Join(runDir, "api", "arguments")))
				return tree
			}},
		{name: "arguments file unparsable", want: "api/arguments:1: not a valid arguments file: invalid character",
			setup: func(t *testing.T, runDir, tree string) string {
				require.NoError(t, os.WriteFile(filepath.Join(runDir, "api", "arguments"), []byte(`{"tree": /run/osbuild/tree}`), 0o644))
				return tree
			}},
		{name: "several problems on one line", options: `{"writable": 1, "version": false}`,
			want: "options.version: must be a string, not boolean; options.writable: must be a boolean, not number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tree, runDir := t.TempDir(), t.TempDir()
			makeHostTree(t, tree)
			before := snapshot(t, tree)
			options := tc.options
			if options == "" {
				options = `{}`
			}
			writeArguments(t, runDir, tree, json.RawMessage(options))
			if tc.setup != nil {
				arg := tc.setup(t, runDir, tree)
				if arg != tree {
					writeArguments(t, runDir, arg, json.RawMessage(options))
				}
			}
			r := runStage(t, bin, runDir)
			require.Equal(t, exitBadInput, r.code, "stderr: %s", r.stderr)
			lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
			require.Len(t, lines, 1, "want one line on stderr, got %q", r.stderr)
			require.True(t, strings.HasPrefix(lines[0], osbuildStageName+": "), lines[0])
			require.Contains(t, lines[0], tc.want)
			require.Equal(t, before, snapshot(t, tree), "bad input changed the tree")
			_, err := os.Stat(filepath.Join(runDir, "meta"))
			require.ErrorIs(t, err, fs.ErrNotExist, "bad input wrote metadata")
		})
	}
}

// TestOsbuildStageFailsMidway: a tree that cannot take the last file of
// QM's content (a non-empty directory where the file must go, so that a
// writer going in order would have written everything else by then) makes
// the stage fail on one line naming the path, and leaves the tree exactly as
// it was: the whole plan is validated before the first write (issue 17.10).
func TestOsbuildStageFailsMidway(t *testing.T) {
	bin := stageBinaryLink(t)
	ref := t.TempDir()
	makeHostTree(t, ref)
	refRun := t.TempDir()
	writeArguments(t, refRun, ref, json.RawMessage(`{"dropins": ["all"]}`))
	r := runStage(t, bin, refRun)
	require.Equal(t, exitOK, r.code, r.stderr)
	md := readMetadata(t, refRun)

	var blocked string
	for _, f := range md.Files {
		if f.Type == "file" && f.Path != rootfs.ManifestPath {
			blocked = f.Path
		}
	}
	require.NotEmpty(t, blocked)
	tree, runDir := t.TempDir(), t.TempDir()
	makeHostTree(t, tree)
	require.NoError(t, os.MkdirAll(filepath.Join(tree, blocked, "occupied"), 0o755))
	before := snapshot(t, tree)
	rootBefore, err := os.Lstat(tree)
	require.NoError(t, err)
	writeArguments(t, runDir, tree, json.RawMessage(`{"dropins": ["all"]}`))
	r = runStage(t, bin, runDir)
	require.Equal(t, exitBadInput, r.code, "stdout: %s\nstderr: %s", r.stdout, r.stderr)
	require.Len(t, strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n"), 1, r.stderr)
	require.Contains(t, r.stderr, blocked+": exists and is a directory")
	require.Equal(t, before, snapshot(t, tree), "the failing stage changed the tree")
	rootAfter, err := os.Lstat(tree)
	require.NoError(t, err)
	require.Equal(t, rootBefore.ModTime(), rootAfter.ModTime(), "the failing stage changed the tree's root")
}

// TestOsbuildStageRefusesEscapingSymlink: a planted symlink out of the tree
// (etc/qm -> elsewhere) makes the stage fail without writing outside.
func TestOsbuildStageRefusesEscapingSymlink(t *testing.T) {
	bin := stageBinaryLink(t)
	tree, runDir, outside := t.TempDir(), t.TempDir(), t.TempDir()
	makeHostTree(t, tree)
	require.NoError(t, os.Symlink(outside, filepath.Join(tree, "etc", "qm")))
	writeArguments(t, runDir, tree, json.RawMessage(`{}`))
	r := runStage(t, bin, runDir)
	require.NotEqual(t, exitOK, r.code)
	require.Len(t, strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n"), 1, r.stderr)
	entries, err := os.ReadDir(outside)
	require.NoError(t, err)
	require.Empty(t, entries, "the stage wrote outside the tree")
}

// TestOsbuildStageTreePassesCheck: `qm-build check` on the tree the stage
// produced finds nothing, for every option set of the harness (with the allow
// file declaring what the options add beyond QM's defaults).
func TestOsbuildStageTreePassesCheck(t *testing.T) {
	bin := stageBinaryLink(t)
	for _, tc := range stageCases {
		t.Run(tc.name, func(t *testing.T) {
			tree, runDir := t.TempDir(), t.TempDir()
			makeHostTree(t, tree)
			writeArguments(t, runDir, tree, json.RawMessage(tc.options))
			r := runStage(t, bin, runDir)
			require.Equal(t, exitOK, r.code, r.stderr)

			args := []string{"check", tree, "--output", "json"}
			if tc.allow != "" {
				allow := filepath.Join(t.TempDir(), "qm.allow")
				require.NoError(t, os.WriteFile(allow, []byte(tc.allow), 0o644))
				args = append(args, "--allow", allow)
			}
			c := runCLI(t, nil, args...)
			type finding struct{ Rule, Path, Message string }
			var report struct{ Errors, Warnings []finding }
			require.NoError(t, json.Unmarshal([]byte(c.stdout), &report), "check output: %s %s", c.stdout, c.stderr)
			require.Empty(t, report.Errors, "check errors on the stage's tree")
			require.Empty(t, report.Warnings, "check warnings on the stage's tree")
			require.Equal(t, exitOK, c.code, c.stdout+c.stderr)
		})
	}
}
