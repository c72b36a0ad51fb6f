package quadlet

import (
	"path"
	"sort"
	"strings"

	"github.com/qm-build/qm-build/rootfs/systemd"
)

// Directories podman's quadlet generator reads for system units, in order
// (podman 5.4, pkg/systemd/quadlet: UnitDirTemp, UnitDirAdmin, UnitDirDistro).
const (
	UnitDirRun = "/run/containers/systemd"
	UnitDirEtc = "/etc/containers/systemd"
	UnitDirUsr = "/usr/share/containers/systemd"
	// GeneratorDir is where systemd runs generators' output from, and so
	// where quadlet writes the services it generates.
	GeneratorDir = systemd.DirGenerator
)

// UnitDirs are the directories quadlet reads, highest priority first.
func UnitDirs() []string { return []string{UnitDirRun, UnitDirEtc, UnitDirUsr} }

// Sources are the files quadlet combines into one unit.
type Sources struct {
	// Name is the unit's file name, e.g. qm.container.
	Name string
	// Path is the file quadlet reads ("" when there is none).
	Path string
	// Shadowed are files of the same name that Path hides.
	Shadowed []string
	// Dropins are the drop-in files, in the order quadlet merges them.
	Dropins []string
	// SearchDirs are the directories quadlet searched, in order: each unit
	// directory followed by its subdirectories, depth first.
	SearchDirs []string
}

// Find locates a unit and its drop-ins as quadlet does when the system boots
// (an empty /run unless keepRun): every unit directory and, recursively, its
// subdirectories (not "*.d" ones, and not /etc/containers/systemd/users*,
// which belong to user sessions); the first file of the name wins. Drop-in
// directories are looked up in every searched directory, the unit's own
// ("qm.container.d") before the dash prefixes and the type-wide
// ("container.d"); the first file of a name wins and the files apply in name
// order.
func Find(fsys systemd.FS, name string, keepRun bool) *Sources {
	s := &Sources{Name: name}
	visited := map[string]bool{}
	for _, d := range UnitDirs() {
		if d == UnitDirRun && !keepRun {
			continue
		}
		s.SearchDirs = appendSubdirs(fsys, d, s.SearchDirs, visited)
	}
	for _, d := range s.SearchDirs {
		entries, err := fsys.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if e.Name != name || e.Dir {
				continue
			}
			if s.Path == "" {
				s.Path = path.Join(d, name)
			} else {
				s.Shadowed = append(s.Shadowed, path.Join(d, name))
			}
		}
	}
	s.Dropins = dropins(fsys, s.SearchDirs, DropinDirNames(name))
	return s
}

// appendSubdirs adds d and its subdirectories, depth first in name order.
func appendSubdirs(fsys systemd.FS, d string, out []string, visited map[string]bool) []string {
	if visited[d] || strings.HasSuffix(d, ".d") || strings.HasPrefix(d, UnitDirEtc+"/users") {
		return out
	}
	entries, err := fsys.ReadDir(d)
	if err != nil {
		return out
	}
	visited[d] = true
	out = append(out, d)
	for _, e := range entries {
		if e.Dir {
			out = appendSubdirs(fsys, path.Join(d, e.Name), out, visited)
		}
	}
	return out
}

// DropinDirNames are the drop-in directory names quadlet reads for a unit,
// most specific first (its GetUnitDropinPaths()): "qm.container.d", the
// template's, the dash prefixes, "container.d".
func DropinDirNames(name string) []string {
	ext := path.Ext(name)
	base := strings.TrimSuffix(name, ext)
	unit, instance, template := strings.Cut(base, "@")
	dirs := []string{strings.TrimPrefix(ext, ".") + ".d"}
	if parts := strings.Split(unit, "-"); len(parts) > 1 {
		for i := range parts[:len(parts)-1] {
			prefix := strings.Join(parts[:i+1], "-") + "-"
			dirs = append(dirs, prefix+ext+".d")
			if template {
				dirs = append(dirs, prefix+"@"+ext+".d")
			}
		}
	}
	if instance != "" {
		dirs = append(dirs, unit+"@"+ext+".d")
	}
	dirs = append(dirs, name+".d")
	for i, j := 0, len(dirs)-1; i < j; i, j = i+1, j-1 {
		dirs[i], dirs[j] = dirs[j], dirs[i]
	}
	return dirs
}

func dropins(fsys systemd.FS, searchDirs, names []string) []string {
	chosen := map[string]string{}
	for _, d := range searchDirs {
		for _, n := range names {
			dir := path.Join(d, n)
			entries, err := fsys.ReadDir(dir)
			if err != nil {
				continue
			}
			for _, e := range entries {
				if path.Ext(e.Name) != ".conf" {
					continue
				}
				if _, ok := chosen[e.Name]; !ok {
					chosen[e.Name] = path.Join(dir, e.Name)
				}
			}
		}
	}
	bases := make([]string, 0, len(chosen))
	for b := range chosen {
		bases = append(bases, b)
	}
	sort.Strings(bases)
	out := make([]string, len(bases))
	for i, b := range bases {
		out[i] = chosen[b]
	}
	return out
}
