package quadlet

import (
	"github.com/qm-build/qm-build/rootfs/unitfile"
)

// svcBuilder is the generated unit while quadlet builds it: groups in order
// of first appearance, a group's repeats merged (quadlet's UnitFile keeps one
// group per name), entries with their provenance.
type svcBuilder struct {
	order  []string
	groups map[string][]unitfile.Entry
}

// newSvc copies a unit the way quadlet's Dup does.
func newSvc(f *unitfile.File) *svcBuilder {
	s := &svcBuilder{groups: map[string][]unitfile.Entry{}}
	for _, name := range f.Sections() {
		s.ensure(name)
		s.groups[name] = append(s.groups[name], f.SectionEntries(name)...)
	}
	return s
}

func (s *svcBuilder) ensure(group string) {
	if _, ok := s.groups[group]; !ok {
		s.order = append(s.order, group)
		s.groups[group] = nil
	}
}

// add appends an entry to its group (quadlet's Add).
func (s *svcBuilder) add(e unitfile.Entry) {
	s.ensure(e.Section)
	s.groups[e.Section] = append(s.groups[e.Section], e)
}

// prepend puts an entry first in its group (PrependUnitLine).
func (s *svcBuilder) prepend(e unitfile.Entry) {
	s.ensure(e.Section)
	s.groups[e.Section] = append([]unitfile.Entry{e}, s.groups[e.Section]...)
}

// set replaces the value of the last assignment of the key where it stands,
// or adds one (quadlet's Set): the replaced entry becomes quadlet's.
func (s *svcBuilder) set(e unitfile.Entry) {
	g := s.groups[e.Section]
	for i := len(g) - 1; i >= 0; i-- {
		if g[i].Key == e.Key {
			g[i] = e
			return
		}
	}
	s.add(e)
}

// lookup is the last value of a key (quadlet's Lookup on the service).
func (s *svcBuilder) lookup(group, key string) (unitfile.Entry, bool) {
	g := s.groups[group]
	for i := len(g) - 1; i >= 0; i-- {
		if g[i].Key == key {
			return g[i], true
		}
	}
	return unitfile.Entry{}, false
}

// rename moves a group under a new name, merging into an existing one
// (RenameGroup).
func (s *svcBuilder) rename(from, to string) {
	g, ok := s.groups[from]
	if !ok {
		return
	}
	for i := range g {
		g[i].Section = to
	}
	delete(s.groups, from)
	if _, exists := s.groups[to]; exists {
		s.groups[to] = append(s.groups[to], g...)
		s.drop(from)
		return
	}
	s.groups[to] = g
	for i, n := range s.order {
		if n == from {
			s.order[i] = to
		}
	}
}

func (s *svcBuilder) drop(group string) {
	for i, n := range s.order {
		if n == group {
			s.order = append(s.order[:i], s.order[i+1:]...)
			return
		}
	}
}

// file renders the unit.
func (s *svcBuilder) file(name string) *unitfile.File {
	f := unitfile.New(name)
	for _, g := range s.order {
		f.AddSection(g)
		for _, e := range s.groups[g] {
			f.AddEntry(e)
		}
	}
	return f
}
