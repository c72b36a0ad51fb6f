package rpmspec

import (
	"slices"
	"sort"
	"strings"
)

// Catalog is the set of known drop-ins: the built-in ones plus any user
// drop-ins added from directories.
type Catalog struct {
	byName map[string]*Dropin
}

// NewCatalog returns a catalog of the given drop-ins, rejecting duplicates.
func NewCatalog(ds ...*Dropin) (*Catalog, error) {
	c := &Catalog{byName: map[string]*Dropin{}}
	if err := c.add(ds); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Catalog) add(ds []*Dropin) error {
	var errs Errors
	for _, d := range ds {
		if prev, ok := c.byName[d.Name]; ok {
			errs.add(d.Source, d.Line, "name", "drop-in %q is already defined in %s", d.Name, prev.Source)
			continue
		}
		c.byName[d.Name] = d
	}
	for _, d := range ds {
		for _, n := range d.Needs {
			if _, ok := c.byName[n]; !ok {
				errs.add(d.Source, d.Line, "needs", "unknown drop-in %q (known: %s)", n, strings.Join(c.Names(), ", "))
			}
		}
	}
	errs = append(errs, c.checkPackageNames(ds)...)
	errs = append(errs, c.checkCycles(ds)...)
	return errs.Err()
}

// checkCycles reports every drop-in among ds whose needs lead back to
// itself, with the cycle: packages that require each other in a ring can
// only be installed together, and nothing says so.
func (c *Catalog) checkCycles(ds []*Dropin) Errors {
	var errs Errors
	for _, d := range ds {
		if cycle := c.cycleFrom(d.Name); cycle != nil {
			errs.add(d.Source, d.Line, "needs", "drop-ins need each other in a cycle: %s", strings.Join(cycle, " -> "))
		}
	}
	return errs
}

// cycleFrom returns a path of needs from start back to start, or nil.
func (c *Catalog) cycleFrom(start string) []string {
	seen := map[string]bool{}
	var walk func(name string, path []string) []string
	walk = func(name string, path []string) []string {
		d, ok := c.byName[name]
		if !ok {
			return nil
		}
		for _, n := range d.Needs {
			if n == start {
				return append(append([]string(nil), path...), n)
			}
			if seen[n] {
				continue
			}
			seen[n] = true
			if p := walk(n, append(path, n)); p != nil {
				return p
			}
		}
		return nil
	}
	return walk(start, []string{start})
}

// checkPackageNames checks the new drop-ins' package and legacy names
// against the whole catalog: a package name is one drop-in's, and a legacy
// name (provided and obsoleted by its package) is no package's name, qm's
// included, so that installing a drop-in never replaces another package.
func (c *Catalog) checkPackageNames(ds []*Dropin) Errors {
	var errs Errors
	owner := map[string]string{}
	legacyOf := map[string]string{}
	for _, d := range c.All() {
		owner[d.PackageName()] = d.Name
		if !slices.Contains(ds, d) {
			for _, l := range d.Legacy {
				legacyOf[l] = d.Name
			}
		}
	}
	for _, d := range ds {
		if prev, ok := owner[d.PackageName()]; ok && prev != d.Name {
			errs.add(d.Source, d.Line, "package", "%s is the package of drop-in %s too", d.PackageName(), prev)
		}
		for _, l := range d.Legacy {
			switch name, ok := owner[l]; {
			case l == "qm":
				errs.add(d.Source, d.Line, "legacy", "%q is the name of the qm package; a legacy name is an old name of this package only", l)
			case l == d.PackageName() || l == d.Name:
				errs.add(d.Source, d.Line, "legacy", "%q is this drop-in's own name; a legacy name is an old name its package replaces", l)
			case ok:
				errs.add(d.Source, d.Line, "legacy", "%q is the name of drop-in %s's package; a legacy name is an old name of this package only", l, name)
			case legacyOf[l] != "" && legacyOf[l] != d.Name:
				errs.add(d.Source, d.Line, "legacy", "%q is a legacy name of drop-in %s too; two packages cannot both replace it", l, legacyOf[l])
			}
			legacyOf[l] = d.Name
		}
	}
	return errs
}

// Names lists the drop-ins' short names, sorted.
func (c *Catalog) Names() []string {
	out := make([]string, 0, len(c.byName))
	for n := range c.byName {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Get returns a drop-in by short name.
func (c *Catalog) Get(name string) (*Dropin, bool) {
	d, ok := c.byName[name]
	return d, ok
}

// All returns every drop-in, sorted by name.
func (c *Catalog) All() []*Dropin {
	out := make([]*Dropin, 0, len(c.byName))
	for _, n := range c.Names() {
		out = append(out, c.byName[n])
	}
	return out
}

// Select resolves the names given to --dropin (each may be a comma-separated
// list; "all" selects every drop-in) to drop-ins, adding those they need. The
// result is sorted by name and has no duplicates. An unknown name is an error
// that lists the known ones.
func (c *Catalog) Select(names []string) ([]*Dropin, error) {
	want := map[string]bool{}
	var errs Errors
	for _, arg := range names {
		for _, n := range strings.Split(arg, ",") {
			n = strings.TrimSpace(n)
			switch {
			case n == "":
				continue
			case n == "all":
				for name := range c.byName {
					want[name] = true
				}
			default:
				if _, ok := c.byName[n]; !ok {
					errs.add("", 0, "dropins", "unknown drop-in %q; known drop-ins: %s, all", n, strings.Join(c.Names(), ", "))
					continue
				}
				want[n] = true
			}
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	// Close over Needs.
	for changed := true; changed; {
		changed = false
		for n := range want {
			for _, need := range c.byName[n].Needs {
				if !want[need] {
					want[need] = true
					changed = true
				}
			}
		}
	}
	out := make([]*Dropin, 0, len(want))
	for _, n := range c.Names() {
		if want[n] {
			out = append(out, c.byName[n])
		}
	}
	return out, nil
}
