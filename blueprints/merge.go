package blueprints

import (
	"fmt"
	"reflect"

	"github.com/osbuild/blueprint/pkg/blueprint"

	"github.com/qm-build/qm-build/rpmspec"
)

// Named is a blueprint with the name of the file it came from.
type Named struct {
	Name      string
	Blueprint *blueprint.Blueprint
}

// Merge adds fragments to the user's blueprint base. The user's content is
// kept as it is, in its order: fragments only append. Packages and services
// are de-duplicated (a package named twice is kept once, the user's entry
// winning, unless both pin different versions); a path both sides write
// differently, a unit enabled on one side and disabled or masked on the
// other, or a file where the other side has a directory, is a conflict
// naming the path and both sources. Fragments must pass ValidateFragment.
// Every problem is reported.
func Merge(base Named, fragments ...Named) (*blueprint.Blueprint, error) {
	out := shallowCopy(base.Blueprint)
	m := &merger{out: &out, pkgFrom: map[string]string{}, pathFrom: map[string]string{}, unitFrom: map[string]string{}}
	m.note(base.Name)
	for _, f := range fragments {
		if err := ValidateFragment(f.Blueprint, f.Name); err != nil {
			m.errs = append(m.errs, rpmspec.AsErrors(err)...)
			continue
		}
		m.add(f)
	}
	if err := m.errs.Err(); err != nil {
		return nil, err
	}
	if c := out.Customizations; c != nil {
		if err := CheckPolicies(c, base.Name, false); err != nil {
			return nil, err
		}
	}
	return &out, nil
}

type merger struct {
	out      *blueprint.Blueprint
	pkgFrom  map[string]string // package name → source
	pathFrom map[string]string // file or directory path → source
	unitFrom map[string]string // "enabled:unit" → source
	errs     rpmspec.Errors
}

// note records where the blueprint's existing entries came from.
func (m *merger) note(src string) {
	for _, p := range m.out.Packages {
		m.pkgFrom[p.Name] = src
	}
	c := m.out.Customizations
	if c == nil {
		return
	}
	for _, d := range c.Directories {
		m.pathFrom[d.Path] = src
	}
	for _, f := range c.Files {
		m.pathFrom[f.Path] = src
	}
	if s := c.Services; s != nil {
		for state, units := range map[string][]string{"enabled": s.Enabled, "disabled": s.Disabled, "masked": s.Masked} {
			for _, u := range units {
				m.unitFrom[state+":"+u] = src
			}
		}
	}
}

func (m *merger) conflict(src, format string, args ...any) {
	m.errs = append(m.errs, &rpmspec.InputError{File: src, Field: "merge", Msg: fmt.Sprintf(format, args...)})
}

func (m *merger) add(f Named) {
	for _, p := range f.Blueprint.Packages {
		m.addPackage(f.Name, p)
	}
	m.out.Modules = appendNew(m.out.Modules, f.Blueprint.Modules...)
	m.out.Groups = appendNew(m.out.Groups, f.Blueprint.Groups...)
	c := f.Blueprint.Customizations
	if c == nil {
		return
	}
	if m.out.Customizations == nil {
		m.out.Customizations = &blueprint.Customizations{}
	}
	if s := c.Services; s != nil {
		m.addUnits(f.Name, "enabled", s.Enabled)
		m.addUnits(f.Name, "disabled", s.Disabled)
		m.addUnits(f.Name, "masked", s.Masked)
	}
	for _, d := range c.Directories {
		m.addDir(f.Name, d)
	}
	for _, fc := range c.Files {
		m.addFile(f.Name, fc)
	}
}

func (m *merger) addPackage(src string, p blueprint.Package) {
	for _, have := range m.out.Packages {
		if have.Name != p.Name {
			continue
		}
		if have.Version != p.Version && !wildcard(have.Version) && !wildcard(p.Version) {
			m.conflict(src, "package %s: version %q in %s conflicts with %q in %s", p.Name, have.Version, m.pkgFrom[p.Name], p.Version, src)
		}
		return
	}
	m.out.Packages = append(m.out.Packages, p)
	m.pkgFrom[p.Name] = src
}

func wildcard(v string) bool { return v == "" || v == "*" }

func (m *merger) addUnits(src, state string, units []string) {
	for _, u := range units {
		for _, other := range []string{"enabled", "disabled", "masked"} {
			if from, ok := m.unitFrom[other+":"+u]; ok && other != state {
				m.conflict(src, "service %s: %s in %s, %s in %s", u, other, from, state, src)
			}
		}
		if _, ok := m.unitFrom[state+":"+u]; ok {
			continue
		}
		m.unitFrom[state+":"+u] = src
		s := m.out.Customizations.Services
		if s == nil {
			s = &blueprint.ServicesCustomization{}
			m.out.Customizations.Services = s
		}
		switch state {
		case "enabled":
			s.Enabled = append(s.Enabled, u)
		case "disabled":
			s.Disabled = append(s.Disabled, u)
		default:
			s.Masked = append(s.Masked, u)
		}
	}
}

func (m *merger) addDir(src string, d blueprint.DirectoryCustomization) {
	c := m.out.Customizations
	if from, ok := m.pathFrom[d.Path]; ok {
		for _, have := range c.Directories {
			if have.Path == d.Path {
				if !(d.Mode == "" && d.User == nil && d.Group == nil) && !reflect.DeepEqual(have, d) {
					m.conflict(src, "directory %s: different attributes in %s and %s", d.Path, from, src)
				}
				return
			}
		}
		m.conflict(src, "%s: a file in %s, a directory in %s", d.Path, from, src)
		return
	}
	c.Directories = append(c.Directories, d)
	m.pathFrom[d.Path] = src
}

func (m *merger) addFile(src string, f blueprint.FileCustomization) {
	c := m.out.Customizations
	if from, ok := m.pathFrom[f.Path]; ok {
		for _, have := range c.Files {
			if have.Path == f.Path {
				if !reflect.DeepEqual(have, f) {
					m.conflict(src, "file %s: different content in %s and %s", f.Path, from, src)
				}
				return
			}
		}
		m.conflict(src, "%s: a directory in %s, a file in %s", f.Path, from, src)
		return
	}
	c.Files = append(c.Files, f)
	m.pathFrom[f.Path] = src
}

func appendNew[T comparable](list []T, add ...T) []T {
	for _, a := range add {
		dup := false
		for _, x := range list {
			if x == a {
				dup = true
				break
			}
		}
		if !dup {
			list = append(list, a)
		}
	}
	return list
}

// shallowCopy copies what Merge appends to, leaving the user's blueprint as
// it was. (Blueprint.DeepCopy goes through JSON, which turns TOML integers
// into floats.)
func shallowCopy(bp *blueprint.Blueprint) blueprint.Blueprint {
	out := *bp
	out.Packages = append([]blueprint.Package(nil), bp.Packages...)
	out.Modules = append([]blueprint.Package(nil), bp.Modules...)
	out.Groups = append([]blueprint.Group(nil), bp.Groups...)
	if bp.Customizations != nil {
		c := *bp.Customizations
		c.Files = append([]blueprint.FileCustomization(nil), c.Files...)
		c.Directories = append([]blueprint.DirectoryCustomization(nil), c.Directories...)
		if c.Services != nil {
			s := *c.Services
			s.Enabled = append([]string(nil), s.Enabled...)
			s.Disabled = append([]string(nil), s.Disabled...)
			s.Masked = append([]string(nil), s.Masked...)
			c.Services = &s
		}
		out.Customizations = &c
	}
	return out
}
