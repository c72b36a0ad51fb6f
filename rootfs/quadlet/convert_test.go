package quadlet

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs/systemd"
	"github.com/qm-build/qm-build/rootfs/unitfile"
	"github.com/qm-build/qm-build/test/verifiers"
)

// hostFS reads a directory tree on disk as an image (tests only).
type hostFS struct{ root string }

func (h hostFS) ReadDir(p string) ([]systemd.DirEntry, error) {
	des, err := os.ReadDir(filepath.Join(h.root, p))
	if err != nil {
		return nil, err
	}
	var out []systemd.DirEntry
	for _, de := range des {
		full := filepath.Join(h.root, p, de.Name())
		e := systemd.DirEntry{Name: de.Name()}
		if de.Type()&fs.ModeSymlink != 0 {
			e.Link, _ = os.Readlink(full)
		}
		if fi, err := os.Stat(full); err == nil {
			e.Dir, e.Regular = fi.IsDir(), fi.Mode().IsRegular()
		}
		out = append(out, e)
	}
	return out, nil
}

func (h hostFS) ReadFile(p string) ([]byte, error) { return os.ReadFile(filepath.Join(h.root, p)) }

// writeTree writes files (image path → content) under a new directory.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, body := range files {
		full := filepath.Join(root, p)
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, []byte(body), 0o644))
	}
	return root
}

// model is what this package computes for a unit of the tree.
func model(t *testing.T, root, name string) (*Generated, error) {
	t.Helper()
	fsys := hostFS{root}
	src := Find(fsys, name, false)
	require.NotEmpty(t, src.Path, "no %s in the tree", name)
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
		f, err := unitfile.ParseQuadlet(data, d)
		if err != nil {
			continue // quadlet reports it and merges the others
		}
		drops = append(drops, f)
	}
	return Convert(unitfile.Merge(base, drops...), name, src.Path, ConvertOptions{DeviceExists: hostDevice})
}

func hostDevice(p string) bool { _, err := os.Stat(p); return err == nil }

// RequireSameAsQuadlet runs the real quadlet over the tree's unit directories
// and requires the model to produce the same service: every [Unit], [Service]
// and [Install] assignment in order, and the same command lines.
func requireSameAsQuadlet(t *testing.T, root, name string) {
	t.Helper()
	r, services := verifiers.QuadletDryRun(t, root, UnitDirEtc, UnitDirUsr)
	svcName := strings.TrimSuffix(name, path.Ext(name)) + ".service"
	g, err := model(t, root, name)
	text, ok := services[svcName]
	if err != nil {
		var ce *ConvertError
		require.True(t, errors.As(err, &ce), "%v", err)
		require.False(t, ok, "the model refuses %s (%v) but quadlet converts it:\n%s", name, err, text)
		require.NotEqual(t, 0, r.Code)
		return
	}
	require.True(t, ok, "quadlet wrote no %s: %s", svcName, r.Stderr)
	theirs, skipped, err := unitfile.ParseLenient([]byte(text), svcName)
	require.NoError(t, err)
	require.Empty(t, skipped)
	for _, section := range []string{GroupUnit, GroupService, GroupInstall} {
		require.Equal(t, assignments(theirs, section), assignments(g.Service, section), "[%s] of %s", section, svcName)
	}
	for _, key := range []string{"ExecStart", "ExecStop", "ExecStopPost"} {
		require.Equal(t, canonicalCommand(t, theirs, key), canonicalCommand(t, g.Service, key), key)
	}
	var words []string
	for _, a := range g.ExecStart {
		words = append(words, systemd.Specifiers(a.Value, "qm.service"))
	}
	require.Equal(t, canonicalCommand(t, theirs, "ExecStart"), canonicalWords(words), "Generated.ExecStart")
}

// assignments lists KEY=VALUE of a section, command lines left out.
func assignments(f *unitfile.File, section string) []string {
	var out []string
	for _, e := range f.SectionEntries(section) {
		if strings.HasPrefix(e.Key, "Exec") {
			continue
		}
		out = append(out, e.Key+"="+e.Value)
	}
	return out
}

// canonicalCommand parses a command line the way systemd does and puts it in
// a canonical form: quadlet writes some flags in Go map order.
func canonicalCommand(t *testing.T, f *unitfile.File, key string) string {
	t.Helper()
	e, ok := f.LookupEntry(GroupService, key)
	require.True(t, ok, key)
	cmds, err := systemd.ParseCommands(e, "qm.service")
	require.NoError(t, err)
	require.Len(t, cmds, 1)
	argv := cmds[0].Argv
	if strings.HasPrefix(cmds[0].Prefixes, "-") {
		argv = append([]string{"-"}, argv...)
	}
	return canonicalWords(argv)
}

// canonicalWords groups "--flag value" pairs of the flags quadlet writes with
// a separate value and sorts the groups, keeping the order of values of each
// flag and the positional arguments at the end.
func canonicalWords(argv []string) string {
	valued := map[string]bool{}
	for _, kf := range append(append([][2]string{}, stringFlags...), listFlags...) {
		valued[kf[1]] = true
	}
	for _, f := range []string{"--name", "--log-driver", "--log-opt", "--cgroups", "--network", "--security-opt", "--device",
		"--cap-drop", "--cap-add", "--sysctl", "-v", "--user", "--userns", "--uidmap", "--gidmap", "--subuidname",
		"--subgidname", "--label", "--expose", "--publish", "--env", "--annotation", "--env-file", "--secret", "--mount"} {
		valued[f] = true
	}
	var items []string
	for i := 0; i < len(argv); i++ {
		if valued[argv[i]] && i+1 < len(argv) {
			items = append(items, argv[i]+" "+argv[i+1])
			i++
			continue
		}
		items = append(items, argv[i])
	}
	// Quadlet walks its string, list and boolean key tables in map order:
	// sort each run of those flags by flag, stably (values of one flag keep
	// their order).
	random := map[string]bool{}
	for _, kf := range append(append(append([][2]string{}, stringFlags...), listFlags...), boolFlags...) {
		random[kf[1]] = true
		random[kf[1]+"=false"] = true
	}
	for i := 0; i < len(items); {
		j := i
		for j < len(items) && random[flagOf(items[j])] {
			j++
		}
		run := items[i:j]
		sort.SliceStable(run, func(a, b int) bool { return flagOf(run[a]) < flagOf(run[b]) })
		if j == i {
			j++
		}
		i = j
	}
	return strings.Join(items, "\n")
}

func flagOf(item string) string { f, _, _ := strings.Cut(item, " "); return f }
