package rootfs_test

import (
	"fmt"
	"os"
	"os/exec"
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
	"github.com/qm-build/qm-build/test/composed"
	"github.com/qm-build/qm-build/test/verifiers"
)

// sharedDirs are where drop-ins write into configuration QM reads as one:
// QM's quadlet drop-ins and the nested podman's containers.conf drop-ins.
// Every other file of a drop-in is its own (rpmspec.Collisions), so drop-ins
// can only interact through these.
var sharedDirs = []string{quadlet.DropinDir, rootfs.NestedConfDropinDir}

// InteractingDropins are the catalog's drop-ins that write into one of
// dirs (by default sharedDirs); the others write nothing there, so leaving
// them out of the combinations leaves no interaction there untested.
func interactingDropins(t *testing.T, dirs ...string) (shared []string) {
	t.Helper()
	if len(dirs) == 0 {
		dirs = sharedDirs
	}
	cat, err := rpmspec.Builtin()
	require.NoError(t, err)
	for _, d := range cat.All() {
		c, err := compose(t, rootfs.Options{Dropins: []string{d.Name}}, rootfs.Facts{HookProgram: composed.HookProgram(t, "amd64")}, nil)
		require.NoError(t, err)
		writes := false
		for _, f := range c.Package(d.PackageName()).Files {
			for _, dir := range dirs {
				if path.Dir(f.Path) == dir {
					writes = true
				}
			}
		}
		if writes {
			shared = append(shared, d.Name)
		}
	}
	require.GreaterOrEqual(t, len(shared), 8, "the catalog has fewer drop-ins that interact than it did")
	return shared
}

// combinations lists every subset of names, the empty one first, leaving
// out those that select the same drop-ins as an earlier one once their needs
// are added (windowmanager brings tty7 and input).
func combinations(t *testing.T, cat *rpmspec.Catalog, names []string) [][]string {
	var out [][]string
	seen := map[string]bool{}
	for mask := 0; mask < 1<<len(names); mask++ {
		var set []string
		for i, n := range names {
			if mask&(1<<i) != 0 {
				set = append(set, n)
			}
		}
		ds, err := cat.Select(set)
		require.NoError(t, err)
		var key []string
		for _, d := range ds {
			key = append(key, d.Name)
		}
		if k := strings.Join(key, ","); !seen[k] {
			seen[k] = true
			out = append(out, set)
		}
	}
	return out
}

// podmanArgs are the podman run line's options that grant something, each
// with its value: devices, annotations, volumes (by destination) and
// capabilities.
func podmanArgs(execStart string) map[string][]string {
	out := map[string][]string{}
	words := strings.Fields(execStart)
	for i := 0; i+1 < len(words); i++ {
		switch words[i] {
		case "--device":
			out["device"] = append(out["device"], strings.SplitN(words[i+1], ":", 2)[0])
		case "--annotation":
			k, _, _ := strings.Cut(words[i+1], "=")
			out["annotation"] = append(out["annotation"], k)
		case "-v", "--volume":
			parts := strings.SplitN(words[i+1], ":", 3)
			out["volume"] = append(out["volume"], parts[min(1, len(parts)-1)])
		case "--cap-add":
			out["cap-add"] = append(out["cap-add"], strings.ToLower(words[i+1]))
		}
	}
	return out
}

// TestQuadletEveryDropinCombination composes QM with every combination of
// the drop-ins that write QM's quadlet drop-ins, runs the real quadlet
// generator (-dryrun) on qm.container and its drop-ins, and checks the
// podman run line: no device, annotation, volume destination or capability
// twice, every annotation the drop-ins set, and every device they add that
// this host has (quadlet drops an optional device the host lacks).
func TestQuadletEveryDropinCombination(t *testing.T) {
	q := verifiers.Quadlet(t)
	shared := interactingDropins(t, quadlet.DropinDir)
	cat, err := rpmspec.Builtin()
	require.NoError(t, err)
	sets := combinations(t, cat, shared)

	type result struct {
		set []string
		err error
	}
	jobs := make(chan []string)
	results := make(chan result)
	var wg sync.WaitGroup
	tmp := t.TempDir()
	for w := range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for set := range jobs {
				results <- result{set, checkCombination(t, q, filepath.Join(tmp, fmt.Sprint(w)), cat, set)}
			}
		})
	}
	go func() {
		for _, s := range sets {
			jobs <- s
		}
		close(jobs)
		wg.Wait()
		close(results)
	}()
	var failed []string
	n := 0
	for r := range results {
		n++
		if r.err != nil {
			failed = append(failed, fmt.Sprintf("%v: %v", r.set, r.err))
		}
	}
	sort.Strings(failed)
	require.Equal(t, len(sets), n)
	require.Greater(t, n, 1<<(len(shared)-2))
	require.Empty(t, failed[:min(len(failed), 10)], "%d of %d combinations fail", len(failed), n)
	t.Logf("%d combinations of %d drop-ins (%s) through quadlet", n, len(shared), strings.Join(shared, ", "))
}

func checkCombination(t *testing.T, q, dir string, cat *rpmspec.Catalog, set []string) error {
	p, err := rootfs.NewPlan(rootfs.Options{Dropins: set}, cat)
	if err != nil {
		return err
	}
	c, err := rootfs.Compose(p, rootfs.Facts{})
	if err != nil {
		return err
	}
	base, dropins, err := c.QuadletUnits()
	if err != nil {
		return err
	}
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	etc := filepath.Join(dir, "etc/containers/systemd")
	usr := filepath.Join(dir, "usr/share/containers/systemd")
	for _, d := range []string{filepath.Join(etc, "qm.container.d"), usr} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(usr, "qm.container"), base.Bytes(), 0o644); err != nil {
		return err
	}
	for _, u := range dropins {
		if err := os.WriteFile(filepath.Join(etc, "qm.container.d", path.Base(u.Name)), u.Bytes(), 0o644); err != nil {
			return err
		}
	}
	cmd := exec.Command(q, "-dryrun")
	cmd.Env = []string{"QUADLET_UNIT_DIRS=" + etc + ":" + usr}
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("quadlet: %v", err)
	}
	var execStart string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "ExecStart=") {
			execStart = l
		}
	}
	args := podmanArgs(execStart)
	for kind, values := range args {
		seen := map[string]bool{}
		for _, v := range values {
			if seen[v] {
				return fmt.Errorf("podman gets %s %s twice: %s", kind, v, execStart)
			}
			seen[v] = true
		}
	}
	for _, d := range p.Dropins {
		for _, a := range d.Annotations {
			if !contains(args["annotation"], a.Key) {
				return fmt.Errorf("%s: annotation %s missing: %s", d.Name, a.Key, execStart)
			}
		}
		for _, dev := range d.Devices.QM {
			_, statErr := os.Stat(dev)
			if has := contains(args["device"], dev); has != (statErr == nil) {
				return fmt.Errorf("%s: --device %s is %v on the line, and the host has it: %v", d.Name, dev, has, statErr == nil)
			}
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
