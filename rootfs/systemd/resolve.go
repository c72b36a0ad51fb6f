package systemd

import (
	"path"
	"sort"
	"strings"

	"github.com/qm-build/qm-build/rootfs/imagefs"
	"github.com/qm-build/qm-build/rootfs/unitfile"
)

// FS is the image units are read from.
type FS = imagefs.FS

// DirEntry is one name of a directory of the image.
type DirEntry = imagefs.DirEntry

// Directories of the system unit search path (systemd.unit(5), path-lookup.c
// in systemd 252), highest priority first.
const (
	DirControl        = "/etc/systemd/system.control"
	DirRuntimeControl = "/run/systemd/system.control"
	DirTransient      = "/run/systemd/transient"
	DirGeneratorEarly = "/run/systemd/generator.early"
	DirEtc            = "/etc/systemd/system"
	DirEtcAttached    = "/etc/systemd/system.attached"
	DirRun            = "/run/systemd/system"
	DirRunAttached    = "/run/systemd/system.attached"
	DirGenerator      = "/run/systemd/generator"
	DirLocal          = "/usr/local/lib/systemd/system"
	DirUsr            = "/usr/lib/systemd/system"
	DirGeneratorLate  = "/run/systemd/generator.late"
)

// SystemPath is the system manager's unit search path.
func SystemPath() []string {
	return []string{DirControl, DirRuntimeControl, DirTransient, DirGeneratorEarly, DirEtc, DirEtcAttached,
		DirRun, DirRunAttached, DirGenerator, DirLocal, DirUsr, DirGeneratorLate}
}

// Lookup finds units in an image as the booted system will.
type Lookup struct {
	FS FS
	// Path is the search path, highest priority first (SystemPath when nil).
	Path []string
	// Generated are the unit files generators write at boot, by path (for
	// example quadlet's /run/systemd/generator/qm.service). Their entries keep
	// the file and line they were generated from.
	Generated map[string]*unitfile.File
	// KeepRun makes the image's own /run content count. A booted system mounts
	// an empty tmpfs on /run before it loads units, so by default nothing the
	// image has under /run is read (only Generated files are there).
	KeepRun bool
}

func (l *Lookup) path() []string {
	if l.Path != nil {
		return l.Path
	}
	return SystemPath()
}

// hidden reports whether image content at p is gone at boot.
func (l *Lookup) hidden(p string) bool {
	return !l.KeepRun && (p == "/run" || strings.HasPrefix(p, "/run/"))
}

// Unit is where a unit's configuration comes from.
type Unit struct {
	Name string
	// Fragment is the unit file's path ("" when there is none).
	Fragment string
	// Masked is true when the fragment is a link to /dev/null or empty.
	Masked bool
	// Shadowed are files of the same name in later directories, which the
	// fragment hides.
	Shadowed []string
	// Dropins are the drop-in paths, in the order they apply.
	Dropins []string
	// MaskedDropins are chosen drop-in names that are empty or link to
	// /dev/null: they hide files of the same name and add nothing.
	MaskedDropins []string
}

// Find locates a unit's fragment and drop-ins.
func (l *Lookup) Find(name string) *Unit {
	u := &Unit{Name: name}
	for _, d := range l.path() {
		p := path.Join(d, name)
		if _, ok := l.Generated[p]; ok {
			l.choose(u, p)
			continue
		}
		if l.hidden(p) {
			continue
		}
		e, ok := l.entry(d, name)
		if !ok || e.Dir {
			continue
		}
		if u.Fragment != "" {
			u.Shadowed = append(u.Shadowed, p)
			continue
		}
		u.Fragment = p
		u.Masked = e.Link == "/dev/null" || l.empty(p)
	}
	u.Dropins, u.MaskedDropins = l.dropins(name)
	return u
}

func (l *Lookup) choose(u *Unit, p string) {
	if u.Fragment == "" {
		u.Fragment = p
	} else {
		u.Shadowed = append(u.Shadowed, p)
	}
}

// entry finds name in directory d.
func (l *Lookup) entry(d, name string) (DirEntry, bool) {
	entries, err := l.FS.ReadDir(d)
	if err != nil {
		return DirEntry{}, false
	}
	i := sort.Search(len(entries), func(i int) bool { return entries[i].Name >= name })
	if i < len(entries) && entries[i].Name == name {
		return entries[i], true
	}
	return DirEntry{}, false
}

func (l *Lookup) empty(p string) bool {
	data, err := l.FS.ReadFile(p)
	return err == nil && len(data) == 0
}

// DropinDirNames are the drop-in directory names of a unit, most specific
// first: "<name>.d", the dash prefixes, the template's for an instance, and
// last the unit type's ("service.d").
func DropinDirNames(name string) []string {
	ext := path.Ext(name)
	base := strings.TrimSuffix(name, ext)
	out := []string{name + ".d"}
	prefixes := func(b string) {
		for i := len(b) - 1; i > 0; i-- {
			if b[i] == '-' {
				out = append(out, b[:i+1]+ext+".d")
			}
		}
	}
	if at := strings.IndexByte(base, '@'); at >= 0 {
		tmpl := base[:at+1]
		if at+1 < len(base) {
			out = append(out, tmpl+ext+".d")
		}
		prefixes(base[:at])
	} else {
		prefixes(base)
	}
	if ext != "" {
		out = append(out, strings.TrimPrefix(ext, ".")+".d")
	}
	return out
}

// dropins collects the chosen drop-in files (systemd's
// unit_file_find_dropin_paths(): every directory of the path for every name,
// the type-wide directory last; the first file of a name wins; file-name
// order).
func (l *Lookup) dropins(name string) (files, masked []string) {
	names := DropinDirNames(name)
	typeWide := names[len(names)-1]
	var dirs []string
	for _, d := range l.path() {
		for _, n := range names[:len(names)-1] {
			dirs = append(dirs, path.Join(d, n))
		}
	}
	for _, d := range l.path() {
		dirs = append(dirs, path.Join(d, typeWide))
	}
	chosen := map[string]string{}
	isMasked := map[string]bool{}
	for _, d := range dirs {
		if l.hidden(d) {
			continue
		}
		entries, err := l.FS.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if !strings.HasSuffix(e.Name, ".conf") || e.Dir {
				continue
			}
			if _, ok := chosen[e.Name]; ok {
				continue
			}
			p := path.Join(d, e.Name)
			chosen[e.Name] = p
			isMasked[e.Name] = e.Link == "/dev/null" || l.empty(p)
		}
	}
	bases := make([]string, 0, len(chosen))
	for b := range chosen {
		bases = append(bases, b)
	}
	sort.Strings(bases)
	for _, b := range bases {
		if isMasked[b] {
			masked = append(masked, chosen[b])
		} else {
			files = append(files, chosen[b])
		}
	}
	return files, masked
}
