package mutations

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/stages"
	"github.com/qm-build/qm-build/stages/build"
	"github.com/qm-build/qm-build/stages/check"
	"github.com/qm-build/qm-build/stages/check/target"
	"github.com/qm-build/qm-build/test/verifiers"
)

// goodTree builds, once per test binary, the tree `qm-build build --dropin
// all` writes, through the same library calls, and returns its directory.
var goodTree = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "qm-build-mutations-*")
	if err != nil {
		return "", err
	}
	goodDir = dir
	cat, err := rpmspec.Builtin()
	if err != nil {
		return "", err
	}
	plan, err := rootfs.NewPlan(rootfs.Options{Dropins: []string{"all"}, Epoch: time.Unix(1700000000, 0).UTC()}, cat)
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "out")
	tree, err := rootfs.OpenTree(filepath.Join(out, "tree"), rootfs.TreeOptions{Epoch: plan.Epoch, Create: true})
	if err != nil {
		return "", err
	}
	defer tree.Close()
	b := &stages.Build{Plan: plan, Tree: tree, OutDir: out, Epoch: plan.Epoch, Log: new(strings.Builder), Env: os.Getenv}
	if err := stages.Run(context.Background(), b, build.Stages(), nil); err != nil {
		return "", err
	}
	return filepath.Join(out, "tree"), nil
})

// goodDir is the temporary directory goodTree built into, if it ran.
var goodDir string

// shmDir is the in-memory TMPDIR of the run, if any.
var shmDir string

func TestMain(m *testing.M) {
	// The corpus packs every tree in eight forms with real tools that write
	// and sync files: in memory when the machine has a tmpfs for it.
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		if dir, err := os.MkdirTemp("/dev/shm", "qm-build-mutations-*"); err == nil {
			os.Setenv("TMPDIR", dir)
			shmDir = dir
		}
	}
	code := m.Run()
	RemoveDiskTemplates()
	if shmDir != "" {
		os.RemoveAll(shmDir)
	}
	if goodDir != "" {
		os.RemoveAll(goodDir)
	}
	os.Exit(code)
}

// crossELF is a tiny static Go program for each architecture, by arch name.
func crossELF(t *testing.T) map[string][]byte {
	t.Helper()
	const msg = "qm-build check test"
	return map[string][]byte{
		"x86_64":  verifiers.GoProgram(t, "amd64", "-s -w", msg),
		"aarch64": verifiers.GoProgram(t, "arm64", "-s -w", msg),
	}
}

func runCheck(t *testing.T, spec, arch, allow string) *check.Report {
	t.Helper()
	o := check.Options{Arch: arch, RootUID: os.Geteuid(), RootGID: os.Getegid()}
	if allow != "" {
		p, err := check.ParseAllow(strings.NewReader(allow), "allow")
		require.NoError(t, err)
		o.Policy = p
	}
	tg, err := target.Open(spec, target.Options{TempDir: t.TempDir()})
	require.NoError(t, err)
	defer tg.Close()
	r, err := check.Run(context.Background(), tg, o)
	require.NoError(t, err)
	return r
}

func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "tree")
	out, err := exec.Command("cp", "-a", src, dst).CombinedOutput()
	require.NoError(t, err, string(out))
	return dst
}

func TestGoodTreeHasNoFindings(t *testing.T) {
	dir, err := goodTree()
	require.NoError(t, err)
	for _, f := range packForms(t, dir, "x86_64").Specs() {
		t.Run(f[0], func(t *testing.T) {
			r := runCheck(t, f[1], "", "")
			require.Empty(t, r.Findings(), "the good tree must give zero findings")
			if f[0] != "tree" && f[0] != "ostree" {
				require.Equal(t, "x86_64", r.Arch, "the architecture the image config (or the root partition type) records")
			}
			require.Greater(t, r.Rules, 30)
		})
	}
	// The build's own check stage wrote the same verdict.
	data, err := os.ReadFile(filepath.Join(filepath.Dir(dir), build.CheckReport))
	require.NoError(t, err)
	require.Contains(t, string(data), `"errors": []`)
}

// row is one line of the detection table.
type row struct {
	m     Mutation
	found map[string][]string // form → rule IDs
}

func TestMutationCorpus(t *testing.T) {
	good, err := goodTree()
	require.NoError(t, err)
	elfs := crossELF(t)
	corpus, err := Load(os.DirFS("corpus"))
	require.NoError(t, err)
	var rows []row
	var mu sync.Mutex
	// The mutations run in parallel: packing waits on tools more than it
	// computes.
	t.Run("corpus", func(t *testing.T) {
		for _, m := range corpus {
			t.Run(m.Name, func(t *testing.T) {
				t.Parallel()
				dir := copyTree(t, good)
				require.NoError(t, m.Apply(dir, elfs))
				arch := m.Arch
				if arch == "" {
					arch = "x86_64"
				}
				want := append([]string{}, m.Expect...)
				sort.Strings(want)
				if want == nil {
					want = []string{}
				}
				// The four forms give the same findings (checkForms requires it).
				rw := row{m: m, found: checkForms(t, dir, arch, m)}
				require.Equal(t, want, rw.found["tree"], "%s (%s): findings:\n%s", m.Name, m.Source, findingLines(runCheck(t, dir, m.Arch, m.Allow)))
				mu.Lock()
				rows = append(rows, rw)
				mu.Unlock()
			})
		}
	})
	sort.Slice(rows, func(i, j int) bool { return rows[i].m.Name < rows[j].m.Name })
	printTable(t, rows)
	requireEveryImageRuleCovered(t, corpus)
}

func findingLines(r *check.Report) string {
	var b strings.Builder
	for _, f := range r.Findings() {
		b.WriteString("  " + f.String() + "\n")
	}
	return b.String()
}

func printTable(t *testing.T, rows []row) {
	var b strings.Builder
	defects, passes := 0, 0
	fmt.Fprintf(&b, "\n%-3s  %-72s  %-14s  %s\n", "#", "mutation", "expected", "found (tree / oci / oci-archive / docker-archive / raw / qcow2 / ostree / bootc)")
	for i, r := range rows {
		exp := strings.Join(r.m.Expect, ",")
		if exp == "" {
			exp = "none"
			passes++
		} else {
			defects++
		}
		var found []string
		for _, f := range []string{"tree", "oci", "oci-archive", "docker-archive", "raw", "qcow2", "ostree", "bootc"} {
			if l, ok := r.found[f]; ok {
				found = append(found, ids(l))
			} else {
				found = append(found, "n/a")
			}
		}
		fmt.Fprintf(&b, "%-3d  %-72s  %-14s  %s\n", i+1, r.m.Name, exp, strings.Join(found, " / "))
	}
	fmt.Fprintf(&b, "%d defects detected with the expected rule IDs, %d allowed variants with no finding, in 8 forms each (n/a: ostree stores no device nodes, FIFOs or sockets)\n", defects, passes)
	t.Log(b.String())
}

func ids(l []string) string {
	if len(l) == 0 {
		return "none"
	}
	return strings.Join(l, ",")
}

// requireEveryImageRuleCovered: every image rule has a defect in the corpus.
func requireEveryImageRuleCovered(t *testing.T, corpus []Mutation) {
	defects := 0
	covered := map[string]int{}
	for _, m := range corpus {
		if len(m.Expect) > 0 {
			defects++
		}
		for _, id := range m.Expect {
			covered[id]++
		}
	}
	require.GreaterOrEqual(t, defects, 40, "the corpus needs at least 40 defects")
	for _, r := range check.Rules() {
		if r.Scope == check.ScopeImage {
			require.NotZero(t, covered[r.ID], "no mutation in the corpus triggers %s (%s)", r.ID, r.Title)
		}
	}
}

func TestCorpusLoadRejectsBadMutations(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown field", "- name: x\n  expect: []\n  ops: [{write: /a, bodyy: x}]\n", "bodyy"},
		{"two operations", "- name: x\n  ops: [{write: /a, remove: /b}]\n", "exactly one operation"},
		{"relative path", "- name: x\n  ops: [{remove: a/b}]\n", "absolute"},
		{"no ops", "- name: x\n  expect: [QM101]\n", "no ops"},
		{"duplicate name", "- name: x\n  ops: [{remove: /a}]\n- name: x\n  ops: [{remove: /b}]\n", "already defined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, "c.yaml"), []byte(tc.yaml), 0o644))
			_, err := Load(os.DirFS(dir))
			require.ErrorContains(t, err, tc.want)
		})
	}
}
