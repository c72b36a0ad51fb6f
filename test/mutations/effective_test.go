package mutations

import (
	"context"
	"errors"
	"fmt"
	"github.com/qm-build/qm-build/stages/build"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rootfs/imagefs"
	"github.com/qm-build/qm-build/rootfs/ocihooks"
	"github.com/qm-build/qm-build/rootfs/podman"
	"github.com/qm-build/qm-build/rootfs/quadlet"
	"github.com/qm-build/qm-build/rootfs/systemd"
	"github.com/qm-build/qm-build/rootfs/unitfile"
	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/stages"
	"github.com/qm-build/qm-build/test/verifiers"
)

// hostFS reads an image tree on disk for the configuration models, resolving
// links inside the tree.
type hostFS struct{ root string }

func (h hostFS) path(p string) (string, error) {
	full := filepath.Join(h.root, p)
	r, err := filepath.EvalSymlinks(full)
	if err != nil {
		return "", err
	}
	if r != h.root && !strings.HasPrefix(r, h.root+"/") {
		return "", fs.ErrNotExist // a link out of the tree (e.g. to /dev/null)
	}
	return r, nil
}

func (h hostFS) ReadDir(p string) ([]imagefs.DirEntry, error) {
	dir, err := h.path(p)
	if err != nil {
		return nil, err
	}
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []imagefs.DirEntry
	for _, de := range des {
		e := imagefs.DirEntry{Name: de.Name()}
		full := filepath.Join(dir, de.Name())
		if de.Type()&fs.ModeSymlink != 0 {
			e.Link, _ = os.Readlink(full)
		}
		if r, err := h.path(path.Join(p, de.Name())); err == nil {
			if fi, err := os.Stat(r); err == nil {
				e.Dir, e.Regular = fi.IsDir(), fi.Mode().IsRegular()
			}
		}
		out = append(out, e)
	}
	return out, nil
}

func (h hostFS) ReadFile(p string) ([]byte, error) {
	r, err := h.path(p)
	if err != nil {
		return nil, err
	}
	return os.ReadFile(r)
}

// quadletDirs are the unit directories quadlet reads on a booted image (its
// /run is empty), in order.
var quadletDirs = []string{quadlet.UnitDirEtc, quadlet.UnitDirUsr}

// modelQuadlet computes quadlet's service for qm.container in the tree, with
// the test host's /dev deciding optional devices (as for the real quadlet).
func modelQuadlet(t *testing.T, root string) (*quadlet.Generated, error) {
	t.Helper()
	fsys := hostFS{root}
	src := quadlet.Find(fsys, "qm.container", false)
	if src.Path == "" {
		return nil, errors.New("no qm.container")
	}
	data, err := fsys.ReadFile(src.Path)
	require.NoError(t, err)
	base, err := unitfile.ParseQuadlet(data, src.Path)
	if err != nil {
		return nil, err
	}
	var drops []*unitfile.File
	for _, d := range src.Dropins {
		data, err := fsys.ReadFile(d)
		require.NoError(t, err)
		if f, err := unitfile.ParseQuadlet(data, d); err == nil {
			drops = append(drops, f)
		}
	}
	exists := func(p string) bool { _, err := os.Stat(p); return err == nil }
	return quadlet.Convert(unitfile.Merge(base, drops...), "qm.container", src.Path, quadlet.ConvertOptions{DeviceExists: exists})
}

// requireQuadletAgrees runs the real quadlet on the tree and requires the
// model's service: the same [Unit], [Service] and [Install] assignments, and
// command lines that podman reads the same way.
func requireQuadletAgrees(t *testing.T, root, what string) (string, string, bool) {
	t.Helper()
	r, services := verifiers.QuadletDryRun(t, root, quadletDirs...)
	text, generated := services["qm.service"]
	g, err := modelQuadlet(t, root)
	if err != nil {
		require.False(t, generated, "%s: the model refuses qm.container (%v), quadlet generates:\n%s", what, err, text)
		return "", fmt.Sprintf("refused (%d)", r.Code), false
	}
	require.True(t, generated, "%s: quadlet generates no qm.service: %s", what, r.Stderr)
	theirs, _, err := unitfile.ParseLenient([]byte(text), "qm.service")
	require.NoError(t, err)
	var canonical []string
	for _, section := range []string{"Unit", "Service", "Install"} {
		require.Equal(t, assignments(theirs, section), assignments(g.Service, section), "%s: [%s]", what, section)
		canonical = append(canonical, assignments(theirs, section)...)
	}
	for _, key := range []string{"ExecStart", "ExecStop", "ExecStopPost"} {
		require.Equal(t, podmanLine(t, theirs, key), podmanLine(t, g.Service, key), "%s: %s", what, key)
		canonical = append(canonical, podmanLine(t, theirs, key))
	}
	return text, strings.Join(canonical, "\n"), true
}

func assignments(f *unitfile.File, section string) []string {
	var out []string
	for _, e := range f.SectionEntries(section) {
		if !strings.HasPrefix(e.Key, "Exec") {
			out = append(out, e.Key+"="+e.Value)
		}
	}
	return out
}

// podmanLine is a command line as podman reads it: for each flag, its values
// in order; then the arguments. (Quadlet writes some flags in Go map order,
// which does not change what podman reads.)
func podmanLine(t *testing.T, f *unitfile.File, key string) string {
	t.Helper()
	e, ok := f.LookupEntry("Service", key)
	require.True(t, ok, key)
	cmds, err := systemd.ParseCommands(e, "qm.service")
	require.NoError(t, err)
	require.Len(t, cmds, 1)
	c := podman.Parse(cmds[0].Argv)
	byFlag := map[string][]string{}
	for _, l := range [][]podman.Occurrence{c.Global, c.Run} {
		for _, o := range l {
			byFlag[o.Flag.Name] = append(byFlag[o.Flag.Name], o.Value)
		}
	}
	var lines []string
	for name, vals := range byFlag {
		lines = append(lines, "--"+name+" "+strings.Join(vals, " | "))
	}
	sort.Strings(lines)
	lines = append(lines, "subcommand: "+strings.Join(c.Subcommand, " "), cmds[0].Prefixes+cmds[0].Path)
	for _, i := range c.Args {
		lines = append(lines, "arg: "+c.Argv[i])
	}
	for _, p := range c.Problems {
		lines = append(lines, "problem: "+p.Msg)
	}
	return strings.Join(lines, "\n")
}

// TestQuadletAgreesOnEveryDropinCombination runs the real quadlet on the good
// tree with every subset of its qm.container.d drop-ins.
func TestQuadletAgreesOnEveryDropinCombination(t *testing.T) {
	good, err := goodTree()
	require.NoError(t, err)
	dropinDir := filepath.Join(good, "etc/containers/systemd/qm.container.d")
	entries, err := os.ReadDir(dropinDir)
	require.NoError(t, err)
	require.NotEmpty(t, entries)
	require.LessOrEqual(t, len(entries), 10, "2^n combinations")
	for mask := 0; mask < 1<<len(entries); mask++ {
		dir := t.TempDir()
		copyDirs(t, good, dir, quadletDirs)
		var kept []string
		for i, e := range entries {
			if mask&(1<<i) == 0 {
				require.NoError(t, os.Remove(filepath.Join(dir, "etc/containers/systemd/qm.container.d", e.Name())))
			} else {
				kept = append(kept, e.Name())
			}
		}
		requireQuadletAgrees(t, dir, fmt.Sprintf("drop-ins %v", kept))
	}
}

// copyDirs copies the named image directories of one tree into another.
func copyDirs(t *testing.T, from, to string, dirs []string) {
	t.Helper()
	for _, d := range dirs {
		if _, err := os.Lstat(filepath.Join(from, d)); err != nil {
			continue
		}
		require.NoError(t, os.MkdirAll(filepath.Join(to, filepath.Dir(d)), 0o755))
		res := verifiers.Run(t, "cp", "-a", filepath.Join(from, d), filepath.Join(to, filepath.Dir(d))+"/")
		require.Equal(t, 0, res.Code, res.Stderr)
	}
}

// catConfig lists the files `systemd-analyze cat-config` shows for name in
// the root R, with R's prefix removed, and returns its whole output.
func catConfig(t *testing.T, r, name string) ([]string, string) {
	t.Helper()
	sa := verifiers.Need(t, "systemd-analyze")
	res := verifiers.Run(t, sa, "--root="+r, "cat-config", name)
	var out []string
	for _, l := range strings.Split(res.Stdout, "\n") {
		if p, ok := strings.CutPrefix(l, "# "+r); ok && strings.HasPrefix(p, "/") {
			out = append(out, p)
		}
	}
	return out, strings.ReplaceAll(res.Stdout+res.Stderr, r, "")
}

// systemdRoot is a root for systemd-analyze: the tree's unit directories (not
// its /run, which is empty at boot) and quadlet's real output where systemd
// ranks the generator's.
func systemdRoot(t *testing.T, tree, generated string) string {
	t.Helper()
	r := t.TempDir()
	copyDirs(t, tree, r, []string{"etc/systemd", "usr/lib/systemd", "usr/local/lib/systemd"})
	if generated != "" {
		require.NoError(t, os.MkdirAll(filepath.Join(r, systemd.DirRun), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(r, systemd.DirRun, "qm.service"), []byte(generated), 0o644))
	}
	return r
}

// requireSystemdAgrees compares the model's qm.service with what
// systemd-analyze cat-config shows: the fragment, the qm.service.d drop-ins
// and the type-wide service.d ones (a name in qm.service.d hides the same
// name in service.d).
func requireSystemdAgrees(t *testing.T, tree, generated, what string) string {
	t.Helper()
	r := systemdRoot(t, tree, generated)
	l := &systemd.Lookup{FS: hostFS{tree}}
	if generated != "" {
		l.Generated = map[string]*unitfile.File{quadlet.GeneratorDir + "/qm.service": unitfile.New("generated")}
	}
	u := l.Find("qm.service")
	var model []string
	if u.Fragment != "" {
		model = append(model, strings.Replace(u.Fragment, quadlet.GeneratorDir, systemd.DirRun, 1))
	}
	own, wide := []string{}, []string{}
	for _, d := range append(append([]string(nil), u.Dropins...), u.MaskedDropins...) {
		if path.Base(path.Dir(d)) == "qm.service.d" {
			own = append(own, d)
		} else {
			wide = append(wide, d)
		}
	}
	byBase := func(l []string) { sort.Slice(l, func(i, j int) bool { return path.Base(l[i]) < path.Base(l[j]) }) }
	byBase(own)
	byBase(wide)
	model = append(model, own...)
	sa, _ := catConfig(t, r, "systemd/system/qm.service")
	require.Equal(t, model, sa, "%s: qm.service and its drop-ins", what)
	hidden := map[string]bool{}
	for _, d := range own {
		hidden[path.Base(d)] = true
	}
	var saWide []string
	wideFiles, _ := catConfig(t, r, "systemd/system/service.d")
	for _, d := range wideFiles {
		if !hidden[path.Base(d)] {
			saWide = append(saWide, d)
		}
	}
	if saWide == nil {
		saWide = []string{}
	}
	require.Equal(t, wide, saWide, "%s: service.d drop-ins", what)
	// What systemd loads, canonically: the files in order and their
	// content (quadlet's generated unit is compared on its own, since
	// quadlet writes some flags in map order).
	var b strings.Builder
	for _, f := range append(sa, saWide...) {
		b.WriteString("# " + f + "\n")
		if f != systemd.DirRun+"/qm.service" {
			data, _ := os.ReadFile(filepath.Join(r, f))
			b.Write(data)
		}
	}
	return b.String()
}

// TestEffectiveModelAgreesOnCorpus runs, for the good tree and every corpus
// case, the real quadlet and systemd-analyze cat-config and requires the
// checker's model to compute the same service, command line and drop-ins.
// It also proves each case where a real tool exists: a defect placed in
// quadlet's or systemd's directories changes what they produce (or, when the
// case expects only QM118, leaves it unchanged), and a QM101 defect of
// systemd's directories makes `systemd-analyze verify` fail where the good
// tree passes.
func TestEffectiveModelAgreesOnCorpus(t *testing.T) {
	good, err := goodTree()
	require.NoError(t, err)
	elfs := crossELF(t)
	corpus, err := Load(os.DirFS("corpus"))
	require.NoError(t, err)
	goodText, goodQ, generated := requireQuadletAgrees(t, good, "good tree")
	require.True(t, generated)
	goodS := requireSystemdAgrees(t, good, goodText, "good tree")
	require.Equal(t, 0, verify(t, good, goodText).Code, "the good tree's qm.service verifies")
	proved := 0
	for _, m := range corpus {
		t.Run(m.Name, func(t *testing.T) {
			dir := copyTree(t, good)
			require.NoError(t, m.Apply(dir, elfs))
			gen, q, _ := requireQuadletAgrees(t, dir, m.Name)
			s := requireSystemdAgrees(t, dir, gen, m.Name)
			quadletCase, systemdCase := touches(m, quadletDirs...), touchesQMService(m)
			dead := len(m.Expect) == 1 && m.Expect[0] == "QM118"
			switch {
			case dead && !quadletCase && !systemdCase:
				require.Equal(t, goodQ, q, "a QM118 case must not change quadlet's output")
				require.Equal(t, goodS, s, "a QM118 case must not change what systemd loads")
				proved++
			case dead:
				// A QM118 case that also sets up what the dead file is for
				// (an annotation for a hook podman does not read).
			case len(m.Expect) > 0 && (quadletCase || systemdCase):
				require.True(t, q != goodQ || s != goodS, "%s changes neither quadlet's output nor what systemd loads", m.Name)
				proved++
			}
			if systemdCase && contains(m.Expect, "QM101") {
				v := verify(t, dir, gen)
				if modelRefuses(dir, gen) {
					require.NotEqual(t, 0, v.Code, "systemd-analyze verify accepts %s:\n%s", m.Name, v.Stdout+v.Stderr)
				} else {
					require.Equal(t, 0, v.Code, "systemd-analyze verify refuses %s, the model loads it:\n%s", m.Name, v.Stdout+v.Stderr)
				}
			}
		})
	}
	t.Logf("%d corpus cases proved with quadlet and systemd-analyze", proved)
}

// touchesQMService reports whether a mutation writes qm.service, its
// drop-ins or the type-wide service drop-ins in systemd's directories.
func touchesQMService(m Mutation) bool {
	for _, op := range m.Ops {
		_, p, _ := op.kind()
		for _, d := range []string{"/etc/systemd/system/", "/usr/lib/systemd/system/", "/usr/local/lib/systemd/system/"} {
			rest, ok := strings.CutPrefix(p, d)
			if ok && (rest == "qm.service" || strings.HasPrefix(rest, "qm.service.d/") || strings.HasPrefix(rest, "service.d/")) {
				return true
			}
		}
	}
	return false
}

// modelRefuses reports whether the model finds that systemd cannot load or
// start qm.service: masked, a file that fails to parse, or several
// ExecStart= for a notify service.
func modelRefuses(tree, generated string) bool {
	l := &systemd.Lookup{FS: hostFS{tree}}
	if generated != "" {
		f, _, err := unitfile.ParseLenient([]byte(generated), quadlet.GeneratorDir+"/qm.service")
		if err != nil {
			return true
		}
		l.Generated = map[string]*unitfile.File{quadlet.GeneratorDir + "/qm.service": f}
	}
	ld := l.Load("qm.service")
	if ld.File == nil {
		return true
	}
	return len(ld.File.LookupAllEntries("Service", "ExecStart")) > 1
}

// touches reports whether a mutation changes the content under one of the
// directories (owners, modes and labels change nothing quadlet or systemd
// reads).
func touches(m Mutation, dirs ...string) bool {
	for _, op := range m.Ops {
		kind, p, _ := op.kind()
		if kind == "chown" || kind == "chmod" || kind == "label" {
			continue
		}
		for _, d := range dirs {
			if p == d || strings.HasPrefix(p, d+"/") {
				return true
			}
		}
	}
	return false
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// verify runs systemd-analyze verify on qm.service in a stub root holding the
// tree's unit directories and quadlet's output.
func verify(t *testing.T, tree, generated string) verifiers.Result {
	t.Helper()
	sa := verifiers.Need(t, "systemd-analyze")
	r := verifiers.SystemdStubRoot(t, t.TempDir())
	copyDirs(t, tree, r, []string{"etc/systemd", "usr/local/lib/systemd"})
	if entries, err := os.ReadDir(filepath.Join(tree, "usr/lib/systemd/system")); err == nil {
		for _, e := range entries {
			copyDirs(t, tree, r, []string{filepath.Join("usr/lib/systemd/system", e.Name())})
		}
	}
	if generated != "" {
		require.NoError(t, os.MkdirAll(filepath.Join(r, systemd.DirRun), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(r, systemd.DirRun, "qm.service"), []byte(generated), 0o644))
	}
	return verifiers.Run(t, sa, "verify", "--man=no", "--recursive-errors=no", "--root="+r, "qm.service")
}

// TestVarPartitionTreePasses: the tree `qm-build build --dropin all
// --var-partition` writes, in an image that mounts /var/qm from its own
// partition (fstab and a mount unit), gives no finding: quadlet's generated
// unit requires the literal /var/qm volume's mount, and the options drop-in
// does too.
func TestVarPartitionTreePasses(t *testing.T) {
	cat, err := rpmspec.Builtin()
	require.NoError(t, err)
	plan, err := rootfs.NewPlan(rootfs.Options{Dropins: []string{"all"}, VarPartition: true, Epoch: time.Unix(1700000000, 0).UTC()}, cat)
	require.NoError(t, err)
	out := t.TempDir()
	tree, err := rootfs.OpenTree(filepath.Join(out, "tree"), rootfs.TreeOptions{Epoch: plan.Epoch, Create: true})
	require.NoError(t, err)
	b := &stages.Build{Plan: plan, Tree: tree, OutDir: out, Epoch: plan.Epoch, Log: new(strings.Builder), Env: os.Getenv}
	require.NoError(t, stages.Run(context.Background(), b, build.Stages(), nil))
	require.NoError(t, tree.Close())
	dir := filepath.Join(out, "tree")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "etc/fstab"), []byte("LABEL=root / xfs defaults 0 0\nLABEL=qm /var/qm xfs defaults 0 0\n"), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "usr/lib/systemd/system"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "usr/lib/systemd/system/var-qm.mount"), []byte("[Mount]\nWhat=LABEL=qm\nWhere=/var/qm\n"), 0o644))
	r := runCheck(t, dir, "x86_64", "")
	require.Empty(t, r.Findings(), "findings:\n%s", findingLines(r))
	text, _, ok := requireQuadletAgrees(t, dir, "var partition tree")
	require.True(t, ok)
	require.Contains(t, text, "RequiresMountsFor=/var/qm\n", "quadlet requires the literal /var/qm volume's mount")
}

// TestGoodTreeWithQMHooks: the good tree with qm-oci-hooks installed (its
// hooks.d files from the annotation table and its program) gives no finding:
// the audio annotation qm-sound sets is granted by QM's own hook.
func TestGoodTreeWithQMHooks(t *testing.T) {
	good, err := goodTree()
	require.NoError(t, err)
	dir := copyTree(t, good)
	for _, h := range ocihooks.PrecreateHooks() {
		p := filepath.Join(dir, h.Path())
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, h.JSON(), 0o644))
	}
	prog := filepath.Join(dir, ocihooks.ProgramPath)
	require.NoError(t, os.MkdirAll(filepath.Dir(prog), 0o755))
	require.NoError(t, os.WriteFile(prog, []byte("#!/bin/sh\n"), 0o755))
	r := runCheck(t, dir, "x86_64", "")
	require.Empty(t, r.Findings(), "findings:\n%s", findingLines(r))

	// The same tree with a hook keyed on every container is caught.
	require.NoError(t, os.WriteFile(filepath.Join(dir, ocihooks.HooksDir, "zz-all.json"),
		[]byte(`{"version": "1.0.0", "hook": {"path": "`+ocihooks.ProgramPath+`"}, "when": {"always": true}, "stages": ["precreate"]}`), 0o644))
	r = runCheck(t, dir, "x86_64", "")
	require.Equal(t, []string{"QM119"}, r.RuleIDs(), "findings:\n%s", findingLines(r))
}
