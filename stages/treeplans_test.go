package stages

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/test/composed"
	"github.com/qm-build/qm-build/test/verifiers"
)

// fixtureTime is the time of every path of hostTree, so that two host trees
// made at different moments are the same to the byte.
var fixtureTime = time.Unix(1600000000, 0)

// hostTree makes dir an image tree as a distribution leaves it before QM:
// the host BlueChi agent, a time zone, a containers seccomp profile and an
// /etc/subuid with a user of its own.
func hostTree(t testing.TB, dir string) {
	t.Helper()
	files := map[string]string{
		"etc/bluechi/agent.conf":            "[bluechi-agent]\nNodeName=vehicle\n",
		"usr/share/zoneinfo/Europe/Berlin":  "TZif2 fixture\n",
		"usr/share/containers/seccomp.json": `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read", "write", "sched_setattr"], "action": "SCMP_ACT_ALLOW"}]}` + "\n",
		"etc/subuid":                        "alice:100000:65536\n",
	}
	for name, body := range files {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
	require.NoError(t, os.Symlink("../usr/share/zoneinfo/Europe/Berlin", filepath.Join(dir, "etc/localtime")))
	fixTimes(t, dir)
	// QM's rootfs is 0555: without root, t.TempDir could not remove it.
	t.Cleanup(func() {
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				_ = os.Chmod(p, 0o755)
			}
			return nil
		})
	})
}

// fixTimes gives every path under dir, symlinks included, fixtureTime.
func fixTimes(t testing.TB, dir string) {
	t.Helper()
	require.NoError(t, filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		tv := unix.NsecToTimeval(fixtureTime.UnixNano())
		return unix.Lutimes(p, []unix.Timeval{tv, tv})
	}))
}

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

// tarListing is `tar -tv` of the same, for a readable diff when tarOf
// differs.
func tarListing(t testing.TB, dir string) string {
	t.Helper()
	out, err := exec.Command(verifiers.Need(t, "tar"), "--sort=name", "--numeric-owner", "--full-time", "-C", dir, "-cvvf", "/dev/null", ".").Output()
	require.NoError(t, err)
	return string(out)
}

// requireSameTree compares two trees byte for byte as tar archives them.
func requireSameTree(t testing.TB, want, got string, msg string) {
	t.Helper()
	if !bytes.Equal(tarOf(t, want), tarOf(t, got)) {
		require.Equal(t, tarListing(t, want), tarListing(t, got), msg)
		require.Fail(t, msg, "the archives differ in content only")
	}
}

// treePlan is one plan of the A→B table.
type treePlan struct {
	name string
	o    rootfs.Options
	user bool // add the user drop-in directory to the catalog
}

// treePlans vary everything a plan writes into a tree: drop-ins (built-in
// and a user's), memory, devices and volumes, the BlueChi controller, the
// /var partition, the version.
func treePlans() []treePlan {
	return []treePlan{
		{name: "defaults"},
		{name: "kvm, memory", o: rootfs.Options{Dropins: []string{"kvm"}, MemoryMax: "2G", MemoryHigh: "1536M", CPUWeight: "100"}},
		{name: "all drop-ins, devices, volumes", o: rootfs.Options{Dropins: []string{"all"}, Devices: []string{"/dev/null", "/dev/fuse"}, Volumes: []string{"/srv/maps:/srv/maps:ro"}}},
		{name: "TCP controller", o: rootfs.Options{Hostname: "car1", ControllerHost: "10.0.0.1", ControllerPort: 2020, Dropins: []string{"sound"}}},
		{name: "socket, var partition, writable", o: rootfs.Options{ControllerSocket: true, VarPartition: true, Writable: true, Timezone: "UTC", Network: "none"}},
		{name: "user drop-in, version 1.2", o: rootfs.Options{Version: "1.2", Dropins: []string{"front-camera", "video"}}, user: true},
	}
}

func (p treePlan) plan(t testing.TB) *rootfs.Plan {
	t.Helper()
	cat, err := rpmspec.Builtin()
	require.NoError(t, err)
	if p.user {
		dir := composed.UserDropinDir(t)
		_, err := cat.AddDir(os.DirFS(dir), dir)
		require.NoError(t, err)
	}
	o := p.o
	o.Epoch = testEpoch
	o.Dropins = append([]string(nil), o.Dropins...)
	o.Devices = append([]string(nil), o.Devices...)
	plan, err := rootfs.NewPlan(o, cat)
	require.NoError(t, err)
	return plan
}

// runPlan runs the rootfs stages for p into dir.
func runPlan(t testing.TB, dir string, p treePlan, cache string) *Build {
	t.Helper()
	b, err := RunRootfs(context.Background(), dir, p.plan(t), RootfsRun{CacheDir: cache})
	require.NoError(t, err, p.name)
	return b
}

// TestPlanChangeGivesTheTreeOfTheNewPlanAlone: for every pair of plans A→B,
// `rootfs` with A then B on a host tree leaves the tree B alone leaves, to
// the byte (tar of the whole tree: content, modes, owners, times of files,
// directories, symlinks and the tree's root), and the host's own files as
// they were.
func TestPlanChangeGivesTheTreeOfTheNewPlanAlone(t *testing.T) {
	cache := t.TempDir()
	plans := treePlans()
	alone := map[string]string{}
	for _, p := range plans {
		dir := t.TempDir()
		hostTree(t, dir)
		runPlan(t, dir, p, cache)
		alone[p.name] = dir
	}
	for _, a := range plans {
		for _, b := range plans {
			t.Run(a.name+" → "+b.name, func(t *testing.T) {
				dir := t.TempDir()
				hostTree(t, dir)
				runPlan(t, dir, a, cache)
				runPlan(t, dir, b, cache)
				requireSameTree(t, alone[b.name], dir, "A then B differs from B alone")
			})
		}
	}
	t.Run("the image's own kvm.conf is never removed", func(t *testing.T) {
		// A package of the image ships kvm.conf; the kvm drop-in overwrites
		// it (it was there before: status "="), and a plan without kvm
		// leaves it, with what was last written: the file is the image's.
		dir := t.TempDir()
		hostTree(t, dir)
		own := filepath.Join(dir, "etc/containers/systemd/qm.container.d/kvm.conf")
		require.NoError(t, os.MkdirAll(filepath.Dir(own), 0o755))
		require.NoError(t, os.WriteFile(own, []byte("# shipped by the image's own qm-kvm package\n"), 0o644))
		runPlan(t, dir, plans[1], cache)
		b := runPlan(t, dir, plans[0], cache)
		_, err := os.Stat(filepath.Join(dir, "etc/containers/systemd/qm.container.d/kvm.conf"))
		require.NoError(t, err)
		require.Contains(t, strings.Join(b.Notes, "\n"), "/usr/share/qm/dropins/kvm.json", "the kvm drop-in's own files are removed")
	})
}

// sabotage changes a tree so that the plan cannot go in.
type sabotage struct {
	name string
	do   func(t *testing.T, tree, outside string)
	want string
}

func sabotages() []sabotage {
	link := func(target, name string) func(t *testing.T, tree, outside string) {
		return func(t *testing.T, tree, outside string) {
			p := filepath.Join(tree, name)
			require.NoError(t, os.RemoveAll(p))
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(t, os.Symlink(strings.ReplaceAll(target, "OUTSIDE", outside), p))
		}
	}
	return []sabotage{
		{"etc/qm links out of the tree", link("OUTSIDE", "etc/qm"), "/etc/qm/subuid: openat etc/qm/subuid: path escapes from parent (a symlink in the tree points outside it"},
		{"etc/qm links inside the tree", link("../srv", "etc/qm"), "/etc/qm: exists and is not a directory (a symlink)"},
		{"a file where a directory goes", func(t *testing.T, tree, _ string) {
			p := filepath.Join(tree, "etc/qm/containers")
			require.NoError(t, os.RemoveAll(p))
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(t, os.WriteFile(p, []byte("x"), 0o644))
		}, "/etc/qm/containers: exists and is not a directory (a regular file)"},
		{"a directory where the last file goes", func(t *testing.T, tree, _ string) {
			p := filepath.Join(tree, "var/qm/lib/shared/overlay-layers/layers.lock")
			require.NoError(t, os.RemoveAll(p))
			require.NoError(t, os.MkdirAll(filepath.Join(p, "occupied"), 0o755))
		}, "/var/qm/lib/shared/overlay-layers/layers.lock: exists and is a directory"},
		{"a FIFO as /etc/subuid (a read that would block)", func(t *testing.T, tree, _ string) {
			p := filepath.Join(tree, "etc/subuid")
			require.NoError(t, os.RemoveAll(p))
			require.NoError(t, syscall.Mkfifo(p, 0o644))
		}, "/etc/subuid: is a FIFO, not a regular file"},
		{"a FIFO as the manifest", func(t *testing.T, tree, _ string) {
			p := filepath.Join(tree, strings.TrimPrefix(rootfs.ManifestPath, "/"))
			require.NoError(t, os.RemoveAll(p))
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(t, syscall.Mkfifo(p, 0o644))
		}, rootfs.ManifestPath + ": is not a regular file"},
		{"the manifest links out of the tree", link("OUTSIDE/manifest", strings.TrimPrefix(rootfs.ManifestPath, "/")), rootfs.ManifestPath + ": is a symlink"},
		{"a manifest of something else", func(t *testing.T, tree, _ string) {
			p := filepath.Join(tree, strings.TrimPrefix(rootfs.ManifestPath, "/"))
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(t, os.WriteFile(p, []byte("+ f - /etc/passwd\n"), 0o644))
		}, ":1: not a qm-build rootfs manifest"},
		{"a manifest naming a path out of the tree", func(t *testing.T, tree, _ string) {
			p := filepath.Join(tree, strings.TrimPrefix(rootfs.ManifestPath, "/"))
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(t, os.WriteFile(p, []byte("# qm-build rootfs manifest 1\n+ d - \"/etc/../../x\"\n"), 0o644))
		}, ":2: path \"/etc/../../x\" has a '..' component"},
	}
}

// TestFailingPlanLeavesTheTreeAsItWas: a tree that cannot take the plan
// (issue 17.10) fails with bad input naming the path, and stays exactly as
// it was, to the byte and the time of its root, whether it is a fresh host
// tree or one an earlier plan wrote; nothing outside it changes.
func TestFailingPlanLeavesTheTreeAsItWas(t *testing.T) {
	cache := t.TempDir()
	plans := treePlans()
	for _, s := range sabotages() {
		for _, earlier := range []*treePlan{nil, &plans[2]} {
			name := s.name
			if earlier != nil {
				name += ", after " + earlier.name
			}
			t.Run(name, func(t *testing.T) {
				base := t.TempDir()
				tree, outside := filepath.Join(base, "tree"), filepath.Join(base, "outside")
				require.NoError(t, os.MkdirAll(outside, 0o755))
				require.NoError(t, os.WriteFile(filepath.Join(outside, "manifest"), []byte("# qm-build rootfs manifest 1\n"), 0o644))
				hostTree(t, tree)
				if earlier != nil {
					runPlan(t, tree, *earlier, cache)
				}
				s.do(t, tree, outside)
				before, outsideBefore := tarOf(t, tree), tarOf(t, outside)
				_, err := RunRootfs(context.Background(), tree, plans[1].plan(t), RootfsRun{CacheDir: cache})
				require.Error(t, err)
				require.Contains(t, err.Error(), s.want)
				var bi interface{ BadInput() bool }
				require.True(t, errors.As(err, &bi) && bi.BadInput(), "a tree that cannot take the plan is bad input: %v", err)
				require.Equal(t, before, tarOf(t, tree), "the failing plan changed the tree")
				require.Equal(t, outsideBefore, tarOf(t, outside), "the failing plan changed something outside the tree")
			})
		}
	}
}

// countdown is a context that is cancelled after n calls of Err: it stops a
// commit at each point where it looks.
type countdown struct {
	context.Context
	n *int
}

func (c countdown) Err() error {
	if *c.n <= 0 {
		return context.Canceled
	}
	*c.n--
	return nil
}

// TestCancelledCommitLeavesTheTreeAsItWas stops the commit of plan B over
// plan A's tree at every point it checks its context (through validation
// and the whole staging phase), and checks each time that the tree is
// exactly as A left it, with no staging directory; the commit then goes
// through and gives B's tree.
func TestCancelledCommitLeavesTheTreeAsItWas(t *testing.T) {
	cache := t.TempDir()
	plans := treePlans()
	a, b := plans[2], plans[5]
	want := t.TempDir()
	hostTree(t, want)
	runPlan(t, want, b, cache)

	dir := t.TempDir()
	hostTree(t, dir)
	runPlan(t, dir, a, cache)
	before := tarOf(t, dir)
	tree, err := rootfs.OpenTree(dir, rootfs.TreeOptions{Epoch: testEpoch})
	require.NoError(t, err)
	defer tree.Close()
	bld := &Build{Plan: b.plan(t), Tree: tree, Epoch: testEpoch, CacheDir: cache}
	list := RootfsStages()
	require.Equal(t, "finish-tree", list[len(list)-1].Name)
	require.NoError(t, Run(context.Background(), bld, list[:len(list)-1], nil))
	stops := 0
	for k := 0; ; k++ {
		n := k
		_, err := tree.Commit(countdown{Context: context.Background(), n: &n})
		if err == nil {
			break
		}
		require.ErrorIs(t, err, context.Canceled)
		require.Equal(t, before, tarOf(t, dir), "a commit stopped after %d checks changed the tree", k)
		stops++
	}
	require.Greater(t, stops, 100, "the commit looks at its context for each path it validates and stages")
	requireSameTree(t, want, dir, "the commit that went through differs from B alone")
}

// TestLeftoversOfKilledRunsAreRemoved: what a killed run leaves (a staging
// directory at the top of the tree, temporary files beside the files it
// writes) is removed by the next run, recognised by its exact form; look-
// alikes of someone else's are left alone.
func TestLeftoversOfKilledRunsAreRemoved(t *testing.T) {
	cache := t.TempDir()
	dir := t.TempDir()
	hostTree(t, dir)
	runPlan(t, dir, treePlans()[0], cache)
	ours := []string{
		".qm-build-staging.qm-build-0123456789ab/7",
		"etc/qm/containers/.storage.conf.qm-build-abcdef012345",
		"usr/share/qm/.qm-build.manifest.qm-build-00112233aabb",
	}
	theirs := []string{
		".qm-build-staging.qm-build-notours/7",
		"etc/qm/containers/.storage.conf.qm-build-ABCDEF012345",
		"etc/qm/containers/.notes.qm-build-tmp",
		"srv/.data.qm-build-0123456789ab",
	}
	for _, p := range append(append([]string(nil), ours...), theirs...) {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, p), []byte("left\n"), 0o600))
	}
	runPlan(t, dir, treePlans()[1], cache)
	for _, p := range ours {
		_, err := os.Lstat(filepath.Join(dir, p))
		require.ErrorIs(t, err, fs.ErrNotExist, "%s, left by a killed run, is still there", p)
	}
	_, err := os.Lstat(filepath.Join(dir, ".qm-build-staging.qm-build-0123456789ab"))
	require.ErrorIs(t, err, fs.ErrNotExist)
	for _, p := range theirs {
		_, err := os.Lstat(filepath.Join(dir, p))
		require.NoError(t, err, "%s is not qm-build's and must stay", p)
	}
}

// TestOwnFilesChangedSinceAreKept: a path qm-build created is removed when a
// plan no longer has it only while it is what qm-build wrote; a changed file
// and a directory holding someone else's file stay (and are forgotten).
func TestOwnFilesChangedSinceAreKept(t *testing.T) {
	cache := t.TempDir()
	plans := treePlans()
	dir := t.TempDir()
	hostTree(t, dir)
	runPlan(t, dir, plans[2], cache) // all drop-ins
	changed := "etc/qm/containers/systemd/kvm.container"
	require.NoError(t, os.WriteFile(filepath.Join(dir, changed), []byte("# edited by hand\n"), 0o644))
	foreign := "etc/qm/containers/systemd/mine.container"
	require.NoError(t, os.WriteFile(filepath.Join(dir, foreign), []byte("# not qm-build's\n"), 0o644))
	b := runPlan(t, dir, plans[0], cache)
	notes := strings.Join(b.Notes, "\n")
	for _, p := range []string{changed, foreign} {
		_, err := os.Stat(filepath.Join(dir, p))
		require.NoError(t, err, p)
	}
	require.Contains(t, notes, "/"+changed)
	_, err := os.Stat(filepath.Join(dir, "etc/qm/containers/systemd/audio.container"))
	require.ErrorIs(t, err, fs.ErrNotExist, "an unchanged file of the dropped plan is removed")
	m, err := os.ReadFile(filepath.Join(dir, strings.TrimPrefix(rootfs.ManifestPath, "/")))
	require.NoError(t, err)
	require.NotContains(t, string(m), changed, "a kept file is no longer qm-build's")
	// A third run removes nothing more and keeps nothing more.
	b = runPlan(t, dir, plans[0], cache)
	require.NotContains(t, strings.Join(b.Notes, "\n"), "tree: ")

	// A directory only a dropped plan created stays when someone put a file
	// into it, with the file.
	runPlan(t, dir, plans[5], cache)
	mine := filepath.Join(dir, "etc/qm/front-camera/mine.conf")
	require.NoError(t, os.WriteFile(mine, []byte("mine\n"), 0o644))
	b = runPlan(t, dir, plans[0], cache)
	require.Regexp(t, `tree: left 1 path\(s\) .*: /etc/qm/front-camera$`, strings.Join(b.Notes, "\n"))
	_, err = os.Stat(mine)
	require.NoError(t, err)

	// A path of the manifest that someone removed, with its directory, is
	// forgotten; the directory is not made again.
	manifest := filepath.Join(dir, strings.TrimPrefix(rootfs.ManifestPath, "/"))
	f, err := os.OpenFile(manifest, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString("+ d - \"/srv/gone\"\n+ f 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef \"/srv/gone/x\"\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	b = runPlan(t, dir, plans[1], cache)
	require.NoDirExists(t, filepath.Join(dir, "srv/gone"))
	m, err = os.ReadFile(manifest)
	require.NoError(t, err)
	require.NotContains(t, string(m), "/srv/gone")
}

// TestConcurrentCommitIsRefused: a second writer of the same tree waits for
// nobody and changes nothing.
func TestConcurrentCommitIsRefused(t *testing.T) {
	dir := t.TempDir()
	hostTree(t, dir)
	f, err := os.Open(dir)
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, syscall.Flock(int(f.Fd()), syscall.LOCK_EX))
	before := tarOf(t, dir)
	_, err = RunRootfs(context.Background(), dir, treePlans()[0].plan(t), RootfsRun{CacheDir: t.TempDir()})
	require.ErrorContains(t, err, "another qm-build run is writing this tree")
	require.Equal(t, before, tarOf(t, dir))
}

// TestTreeTimesWithoutEpoch: without SOURCE_DATE_EPOCH the times are the
// file system's, and nothing is set to the zero time.
func TestTreeTimesWithoutEpoch(t *testing.T) {
	dir := t.TempDir()
	hostTree(t, dir)
	p := treePlans()[0].plan(t)
	p.Epoch = time.Time{}
	_, err := RunRootfs(context.Background(), dir, p, RootfsRun{CacheDir: t.TempDir()})
	require.NoError(t, err)
	fi, err := os.Lstat(filepath.Join(dir, "etc/qm/systemd/system/multi-user.target.wants/bluechi-agent.service"))
	require.NoError(t, err)
	require.True(t, fi.ModTime().After(fixtureTime), fmt.Sprint(fi.ModTime()))
}
