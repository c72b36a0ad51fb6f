package check

import (
	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
)

// QM604: files the packages give root are root's.
var ruleQM604 = Rule{
	ID: "QM604", Severity: Error, Group: GroupHygiene,
	Title: "files of QM's packages that the model gives to root are owned by root",
	Rationale: "A QM file owned by another user can be changed by that user, on the host or inside QM: QM's unit, policy, " +
		"seccomp profile and configuration are what every FFI test relies on.",
	FFI: []string{"all"},
	Check: func(c *Context) []Finding {
		var out []Finding
		for _, f := range c.modelFiles() {
			if f.OwnerName() != "root" || f.GroupName() != "root" || f.Flags&rpmspec.FlagGhost != 0 && f.Kind != rpmspec.KindDir {
				continue
			}
			e, err := c.FS.Lstat(f.Path)
			if err != nil {
				continue
			}
			if e.UID != c.RootUID || e.GID != c.RootGID {
				out = append(out, at(f.Path, 0, "owned by %d:%d; the %s package gives it to root", e.UID, e.GID, f.Origin))
			}
		}
		return out
	},
}

// modelFiles are the files of the qm package and of the drop-ins installed
// in the image, composed from the model with default options, plus QM's
// three trees. Origin is set to the package name.
func (c *Context) modelFiles() []rpmspec.File {
	out := []rpmspec.File{
		{Path: qmUsrLib, Kind: rpmspec.KindDir, Origin: "qm"},
		{Path: qmRootfs, Kind: rpmspec.KindDir, Origin: "qm"},
		{Path: qmEtc, Kind: rpmspec.KindDir, Origin: "qm"},
		{Path: qmVar, Kind: rpmspec.KindDir, Origin: "qm"},
	}
	cat := c.catalog()
	if cat == nil {
		return out
	}
	var names []string
	for _, d := range c.Declarations().list {
		if _, ok := cat.Get(d.Name); ok {
			names = append(names, d.Name)
		}
	}
	plan, err := rootfs.NewPlan(rootfs.Options{Dropins: names}, cat)
	if err != nil {
		return out
	}
	content, err := rootfs.Compose(plan, rootfs.Facts{})
	if err != nil {
		return out
	}
	for _, p := range content.Packages {
		for _, f := range p.Files {
			f.Origin = p.Name
			out = append(out, f)
		}
	}
	for _, t := range content.Tree {
		f := t.File
		f.Origin = "qm-build " + t.Stage + " stage"
		out = append(out, f)
	}
	return out
}
