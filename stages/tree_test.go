package stages

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rootfs/unitfile"
	"github.com/qm-build/qm-build/rpmspec"
)

var testEpoch = time.Unix(1700000000, 0).UTC()

func testPlan(t testing.TB, o rootfs.Options) *rootfs.Plan {
	t.Helper()
	cat, err := rpmspec.Builtin()
	require.NoError(t, err)
	if o.Epoch.IsZero() {
		o.Epoch = testEpoch
	}
	p, err := rootfs.NewPlan(o, cat)
	require.NoError(t, err)
	return p
}

// writeTree runs the rootfs stages for o into dir (created when missing).
func writeTree(t testing.TB, dir string, o rootfs.Options) *Build {
	t.Helper()
	require.NoError(t, os.MkdirAll(dir, 0o755))
	b, err := RunRootfs(context.Background(), dir, testPlan(t, o), RootfsRun{})
	require.NoError(t, err)
	return b
}

// allOptions sets every container and BlueChi option.
func allOptions() rootfs.Options {
	return rootfs.Options{
		Dropins:   []string{"all"},
		MemoryMax: "2G", MemoryHigh: "1536M", CPUWeight: "100", Writable: true,
		Network: "host", VarPartition: true, Timezone: "Europe/Berlin",
		Volumes: []string{"/srv/maps:/srv/maps:ro"}, Devices: []string{"/dev/null"},
		Hostname: "car1", Controller: rootfs.Controller{Socket: true},
	}
}

// snapshot lists a directory: every path with its type, mode, size, time,
// link target and content.
func snapshot(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		v := fi.Mode().String() + " " + fi.ModTime().UTC().Format(time.RFC3339Nano)
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			require.NoError(t, err)
			v += " -> " + target
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			require.NoError(t, err)
			v += " " + string(b)
		}
		out[rel] = v
		return nil
	}))
	return out
}

func TestRerunGivesTheSameTree(t *testing.T) {
	for name, o := range map[string]rootfs.Options{"defaults": {}, "everything": allOptions()} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			writeTree(t, dir, o)
			first := snapshot(t, dir)
			writeTree(t, dir, o)
			require.Equal(t, first, snapshot(t, dir))
		})
	}
}

func TestRerunNeverDuplicatesEntries(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "etc"), 0o755))
	// The image already has a user of its own, without a final newline.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "etc/subuid"), []byte("alice:100000:65536"), 0o644))
	o := allOptions()
	writeTree(t, dir, o)
	once := mergedQuadlet(t, dir)
	for range 2 {
		writeTree(t, dir, o)
	}
	for _, tc := range []struct{ file, want string }{
		{"etc/subuid", "alice:100000:65536\nqmcontainers:1000000000:1500000000\ncontainers:2500000000:1500000000\n"},
		{"etc/subgid", rootfs.HostSubIDs},
		{"etc/qm/subuid", rootfs.QMSubIDs},
		{"etc/qm/subgid", rootfs.QMSubIDs},
	} {
		t.Run(tc.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, tc.file))
			require.NoError(t, err)
			require.Equal(t, tc.want, string(b))
		})
	}
	t.Run("quadlet lists", func(t *testing.T) {
		m := mergedQuadlet(t, dir)
		for _, key := range []string{"Volume", "AddDevice", "Sysctl", "Environment"} {
			group := "Container"
			if key == "Environment" {
				group = "Service"
			}
			require.Equal(t, once.LookupAll(group, key), m.LookupAll(group, key), key)
		}
		require.Equal(t, []string{"/etc/qm:/etc", "/var/qm:/var", "/var/qm/tmp:/var/tmp", "/run/bluechi/bluechi.sock:/run/bluechi.sock", "/srv/maps:/srv/maps:ro"}, m.LookupAll("Container", "Volume"))
	})
}

func TestMergeLines(t *testing.T) {
	for _, tc := range []struct{ name, cur, add, want string }{
		{"empty file", "", "a\nb\n", "a\nb\n"},
		{"keeps existing order", "b\nx\n", "a\nb\n", "b\nx\na\n"},
		{"adds a missing newline", "x", "a\n", "x\na\n"},
		{"nothing to add", "a\nb\n", "b\na\n", "a\nb\n"},
		{"no duplicate within add", "", "a\na\n", "a\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, string(MergeLines([]byte(tc.cur), []byte(tc.add))))
		})
	}
}

// TestSymlinkOutOfTheTreeIsRefused plants symlinks that point out of the
// tree where the stages write or read, and checks that the build fails naming
// the tree and that nothing outside changes.
func TestSymlinkOutOfTheTreeIsRefused(t *testing.T) {
	for _, tc := range []struct {
		name, link string
		target     func(outside string) string
	}{
		{"etc/qm absolute", "etc/qm", func(o string) string { return o }},
		{"etc/qm relative", "etc/qm", func(o string) string { return "../../outside" }},
		{"usr/lib/qm", "usr/lib/qm", func(o string) string { return o }},
		{"var/qm", "var/qm", func(o string) string { return o }},
		{"etc/subuid", "etc/subuid", func(o string) string { return filepath.Join(o, "subuid") }},
		{"etc/bluechi", "etc/bluechi", func(o string) string { return o }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := t.TempDir()
			tree := filepath.Join(base, "tree")
			outside := filepath.Join(base, "outside")
			require.NoError(t, os.MkdirAll(outside, 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(outside, "subuid"), []byte("host:1:1\n"), 0o644))
			require.NoError(t, os.MkdirAll(filepath.Join(tree, filepath.Dir(tc.link)), 0o755))
			require.NoError(t, os.Symlink(tc.target(outside), filepath.Join(tree, tc.link)))
			before := snapshot(t, outside)

			_, err := RunRootfs(context.Background(), tree, testPlan(t, allOptions()), RootfsRun{})
			require.Error(t, err)
			require.Contains(t, err.Error(), tree)
			var bi interface{ BadInput() bool }
			require.True(t, errors.As(err, &bi) && bi.BadInput(), "a tree with an escaping symlink is bad input: %v", err)
			require.Equal(t, before, snapshot(t, outside), "nothing outside the tree changed")
		})
	}
}

// TestInterruptedBuildLeavesNoPartialFile cancels the build as each stage
// starts and checks that every file in the tree is whole (as the content
// says) and that no temporary file is left.
func TestInterruptedBuildLeavesNoPartialFile(t *testing.T) {
	plan := testPlan(t, allOptions())
	n := len(RootfsStages())
	for stop := 2; stop <= n; stop++ {
		dir := t.TempDir()
		ctx, cancel := context.WithCancel(context.Background())
		tree, err := rootfs.OpenTree(dir, rootfs.TreeOptions{Epoch: plan.Epoch})
		require.NoError(t, err)
		b := &Build{Plan: plan, Tree: tree, Epoch: plan.Epoch, Log: io.Discard}
		err = Run(ctx, b, RootfsStages(), func(i, _ int, _ string) {
			if i == stop {
				cancel()
			}
		})
		require.ErrorIs(t, err, context.Canceled)
		tree.Close()
		cancel()
		if b.Content == nil {
			continue
		}
		want := map[string][]byte{}
		for _, p := range b.Content.Packages {
			for _, f := range p.Files {
				want[f.Path] = f.Body
			}
		}
		for _, f := range b.Content.Tree {
			if !f.Merge {
				want[f.Path] = f.Body
			}
		}
		require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			require.NoError(t, err)
			require.False(t, rootfs.IsTempName(d.Name()), "temporary file %s left behind", p)
			if d.Type().IsRegular() {
				rel := "/" + strings.TrimPrefix(p, dir+"/")
				if body, ok := want[rel]; ok {
					got, err := os.ReadFile(p)
					require.NoError(t, err)
					require.Equal(t, string(body), string(got), "%s is whole", rel)
				}
			}
			return nil
		}))
	}
}

func TestFactsFromTheTree(t *testing.T) {
	dir := t.TempDir()
	must := func(err error) { require.NoError(t, err) }
	must(os.MkdirAll(filepath.Join(dir, "etc/bluechi/agent.conf.d"), 0o755))
	must(os.MkdirAll(filepath.Join(dir, "usr/share/containers"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "etc/bluechi/agent.conf"), []byte("[bluechi-agent]\nNodeName=ecu\n"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "etc/bluechi/agent.conf.d/50-name.conf"), []byte("[bluechi-agent]\nNodeName=ecu7\n"), 0o644))
	must(os.Symlink("../usr/share/zoneinfo/Europe/Berlin", filepath.Join(dir, "etc/localtime")))
	base, err := os.ReadFile("/usr/share/containers/seccomp.json")
	must(err)
	must(os.WriteFile(filepath.Join(dir, "usr/share/containers/seccomp.json"), base, 0o644))

	b := writeTree(t, dir, rootfs.Options{})
	require.Equal(t, "ecu7", b.Facts.HostNodeName)
	require.Equal(t, "Europe/Berlin", b.Facts.Timezone)

	agent, err := unitfile.ParseBytes(mustRead(t, dir, "etc/qm/bluechi/agent.conf.d/agent.conf"), "agent.conf")
	must(err)
	v, _ := agent.Lookup("bluechi-agent", "NodeName")
	require.Equal(t, "qm.ecu7", v)
	tz, _ := mergedQuadlet(t, dir).Lookup("Container", "Timezone")
	require.Equal(t, "Europe/Berlin", tz, "the tree's zone lands in the options drop-in")
	require.Contains(t, strings.Join(b.Notes, "\n"), "derived /usr/share/qm/seccomp-no-rt.derived.json from the tree's")
	sp, _ := mergedQuadlet(t, dir).Lookup("Container", "SeccompProfile")
	require.Equal(t, "/usr/share/qm/seccomp-no-rt.derived.json", sp, "the derived profile is the one QM uses")
	_, err = os.Stat(filepath.Join(dir, "usr/share/qm/seccomp-no-rt.derived.json"))
	must(err)
}

func TestUnparsableHostAgentConfIsBadInput(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "etc/bluechi/agent.conf.d"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "etc/bluechi/agent.conf.d/10-broken.conf"), []byte("[bluechi-agent]\nNodeName=x\nthis is not an assignment\n"), 0o644))
	_, err := RunRootfs(context.Background(), dir, testPlan(t, rootfs.Options{}), RootfsRun{})
	require.Error(t, err)
	require.Contains(t, err.Error(), filepath.Join(dir, "etc/bluechi/agent.conf.d/10-broken.conf")+":3:")
	var se *StageError
	require.ErrorAs(t, err, &se)
	require.Equal(t, "facts", se.Stage)
	require.True(t, se.BadInput())
	_, statErr := os.Stat(filepath.Join(dir, "etc/qm"))
	require.True(t, errors.Is(statErr, fs.ErrNotExist), "nothing is written after bad input")
}

func mustRead(t testing.TB, dir, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, rel))
	require.NoError(t, err)
	return b
}

// mergedQuadlet reads the tree's qm.container and drop-ins the way quadlet
// finds them and merges them.
func mergedQuadlet(t testing.TB, dir string) *unitfile.File {
	t.Helper()
	base, err := unitfile.ParseBytes(mustRead(t, dir, "usr/share/containers/systemd/qm.container"), "qm.container")
	require.NoError(t, err)
	var dropins []*unitfile.File
	ents, err := os.ReadDir(filepath.Join(dir, "etc/containers/systemd/qm.container.d"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		require.NoError(t, err)
	}
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".conf") {
			d, err := unitfile.ParseBytes(mustRead(t, dir, "etc/containers/systemd/qm.container.d/"+e.Name()), e.Name())
			require.NoError(t, err)
			dropins = append(dropins, d)
		}
	}
	return unitfile.Merge(base, dropins...)
}

// FuzzMergeLines checks that merging is idempotent, keeps what was there and
// adds every line.
func FuzzMergeLines(f *testing.F) {
	f.Add([]byte("alice:100000:65536"), []byte(rootfs.HostSubIDs))
	f.Add([]byte(rootfs.QMSubIDs), []byte(rootfs.QMSubIDs))
	f.Add([]byte(""), []byte("a\n\nb"))
	f.Fuzz(func(t *testing.T, cur, add []byte) {
		once := MergeLines(cur, add)
		if string(MergeLines(once, add)) != string(once) {
			t.Fatalf("merging twice differs")
		}
		if !strings.HasPrefix(string(once), string(cur)) {
			t.Fatalf("existing content changed")
		}
		for _, l := range strings.Split(string(add), "\n") {
			if l != "" && !strings.Contains("\n"+string(once), "\n"+l+"\n") {
				t.Fatalf("line %q not added", l)
			}
		}
	})
}
