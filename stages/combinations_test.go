package stages

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rootfs/quadlet"
	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/stages/check"
	"github.com/qm-build/qm-build/stages/check/target"
	"github.com/qm-build/qm-build/test/composed"
)

// TestCheckEveryDropinCombination builds a tree for every combination of
// the drop-ins that write configuration QM reads as one (its quadlet
// drop-ins and the nested containers.conf drop-ins), and checks it: no
// error, no warning. The other drop-ins write only files of their own
// (rpmspec.Collisions refuses two packages claiming one path), so they are
// in every tree (text2speech whenever sound is, since it needs it); the test
// asserts that split rather than assuming it.
//
// Each worker builds its base tree once with the real stages (qm, the
// always-present drop-ins, the tree stages' files) and, per combination,
// writes the drop-ins' payloads with the payload stage's writer, runs the
// checker, and removes what it wrote.
func TestCheckEveryDropinCombination(t *testing.T) {
	hook := composed.HookProgram(t, "amd64")
	cat, err := rpmspec.Builtin()
	require.NoError(t, err)
	var varying, always []string
	for _, d := range cat.All() {
		c, err := rootfs.Compose(testPlan(t, rootfs.Options{Dropins: []string{d.Name}}), rootfs.Facts{HookProgram: hook})
		require.NoError(t, err)
		shared := false
		for _, f := range c.Package(d.PackageName()).Files {
			if dir := path.Dir(f.Path); dir == quadlet.DropinDir || dir == rootfs.NestedConfDropinDir {
				shared = true
			}
		}
		switch {
		case shared:
			varying = append(varying, d.Name)
		case d.Name == "text2speech":
			// needs sound: added to the combinations that have sound
		default:
			always = append(always, d.Name)
		}
	}
	require.Contains(t, always, "ros2")
	require.Contains(t, always, "oci-hooks")
	require.GreaterOrEqual(t, len(varying), 10)
	// Combinations that select the same drop-ins once needs are added
	// (windowmanager brings tty7 and input) are built once.
	var sets [][]string
	seen := map[string]bool{}
	for mask := 0; mask < 1<<len(varying); mask++ {
		set := append([]string(nil), always...)
		for i, n := range varying {
			if mask&(1<<i) != 0 {
				set = append(set, n)
				if n == "sound" {
					set = append(set, "text2speech")
				}
			}
		}
		ds, err := cat.Select(set)
		require.NoError(t, err)
		key := fmt.Sprint(names(ds))
		if !seen[key] {
			seen[key] = true
			sets = append(sets, set)
		}
	}

	jobs := make(chan []string)
	var mu sync.Mutex
	var failed []string
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		dir := t.TempDir()
		base := writeTreeWith(t, dir, rootfs.Options{Dropins: always}, hook)
		wg.Go(func() {
			for set := range jobs {
				if err := checkCombination(base, set, hook); err != nil {
					mu.Lock()
					failed = append(failed, fmt.Sprintf("%v: %v", set, err))
					mu.Unlock()
				}
			}
		})
	}
	for _, s := range sets {
		jobs <- s
	}
	close(jobs)
	wg.Wait()
	sort.Strings(failed)
	require.Empty(t, failed[:min(10, len(failed))], "%d of %d combinations fail", len(failed), len(sets))
	t.Logf("%d trees: every combination of %s (the distinct ones once needs are added), with %s always", len(sets), strings.Join(varying, ", "), strings.Join(always, ", "))
}

func names(ds []*rpmspec.Dropin) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Name
	}
	return out
}

// writeTreeWith runs the rootfs stages for o, with the hook program, into
// dir and returns the build, its tree left open.
func writeTreeWith(t *testing.T, dir string, o rootfs.Options, hook []byte) *Build {
	t.Helper()
	require.NoError(t, os.MkdirAll(dir, 0o755))
	tr, err := rootfs.OpenTree(dir, rootfs.TreeOptions{Epoch: testEpoch})
	require.NoError(t, err)
	t.Cleanup(func() { tr.Close() })
	b, err := WriteRootfs(context.Background(), tr, testPlan(t, o), RootfsRun{HookProgram: hook})
	require.NoError(t, err)
	return b
}

// checkCombination writes the payloads of the drop-ins of set missing from
// base's tree, checks the tree, and removes what it wrote.
func checkCombination(base *Build, set []string, hook []byte) error {
	cat := base.Plan.Catalog
	p, err := rootfs.NewPlan(rootfs.Options{Dropins: set, Epoch: testEpoch}, cat)
	if err != nil {
		return err
	}
	c, err := rootfs.Compose(p, rootfs.Facts{HookProgram: hook})
	if err != nil {
		return err
	}
	dir := base.Tree.Dir()
	var created []string
	defer func() {
		sort.Sort(sort.Reverse(sort.StringSlice(created)))
		for _, p := range created {
			os.Remove(filepath.Join(dir, p))
		}
	}()
	// A tree of its own: Tree remembers the directories it has made, and
	// the previous combination's are gone.
	tr, err := rootfs.OpenTree(dir, rootfs.TreeOptions{Epoch: testEpoch})
	if err != nil {
		return err
	}
	defer tr.Close()
	b := &Build{Plan: p, Tree: tr}
	for _, pkg := range c.Packages {
		if base.Content.Package(pkg.Name) != nil {
			continue
		}
		for _, f := range pkg.Files {
			for q := f.Path; q != "/"; q = path.Dir(q) {
				if _, err := os.Lstat(filepath.Join(dir, q)); errors.Is(err, fs.ErrNotExist) {
					created = append(created, q)
				}
			}
		}
		if err := writeFiles(context.Background(), b, "payload", pkg.Files); err != nil {
			return err
		}
	}
	tg, err := target.Open(dir, target.Options{})
	if err != nil {
		return err
	}
	defer tg.Close()
	r, err := check.Run(context.Background(), tg, check.Options{RootUID: os.Geteuid(), RootGID: os.Getegid()})
	if err != nil {
		return err
	}
	if f := r.Findings(); len(f) > 0 {
		return fmt.Errorf("%v", f)
	}
	return nil
}
