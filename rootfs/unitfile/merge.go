package unitfile

import (
	"path"
	"sort"
)

// Merge returns the effective unit of base with its drop-ins applied, the way
// podman's quadlet generator and systemd apply "<unit>.d/*.conf" files
// (systemd.unit(5), "Drop-in files"; quadlet's UnitFile.Merge):
//
//   - drop-ins are applied in order of their file names (path.Base of
//     File.Name), whatever directory they came from; a stable sort keeps the
//     given order for equal names;
//   - each drop-in section's entries and comments are appended to the same
//     section of the result (created at the end when missing), so a later
//     assignment wins for single-valued settings and an empty assignment
//     resets list settings for everything before it.
//
// Shadowing (a drop-in in /etc hiding one of the same name in /usr) is the
// caller's business: pass only the drop-ins that apply. The inputs are not
// changed; every entry of the result keeps its own file and line.
func Merge(base *File, dropins ...*File) *File {
	out := base.Clone()
	sorted := append([]*File(nil), dropins...)
	sort.SliceStable(sorted, func(i, j int) bool {
		return path.Base(sorted[i].Name) < path.Base(sorted[j].Name)
	})
	for _, d := range sorted {
		for _, s := range d.sections {
			target := out.ensureSection(s.name)
			for _, l := range s.lines {
				if l.kind != kindBlank {
					target.insert(l.clone())
				}
			}
		}
	}
	return out
}
