package rootfs

import (
	"fmt"
	"slices"

	"github.com/qm-build/qm-build/rpmspec"
)

// Compose turns a plan and the facts of the target tree into Content: the
// packages and the stage files. It does no I/O.
func Compose(p *Plan, f Facts) (*Content, error) {
	c := &Content{Plan: p}
	qm, err := qmPackage(p, f)
	if err != nil {
		return nil, err
	}
	c.Packages = append(c.Packages, qm)
	for _, d := range p.Selected {
		if d.HookProgram && f.HookProgram == nil {
			// Built per architecture from a program qm-build does not
			// compile (hookpkg.go): refused when asked for by name, left out
			// with a note when "all" or another drop-in's needs select it.
			if p.Named(d.Name) {
				return nil, &rpmspec.InputError{Field: hookFlag, Msg: fmt.Sprintf("%s ships QM's OCI hook program: build it for the target (make hook) and give it with %s", d.PackageName(), hookFlag)}
			}
			c.Skipped = append(c.Skipped, fmt.Sprintf("%s: not built, no hook program (make hook; %s bin/qm-oci-hook); packages that set annotations require it", d.PackageName(), hookFlag))
			continue
		}
		pkg, err := dropinPackage(p, f, d)
		if err != nil {
			return nil, err
		}
		c.Packages = append(c.Packages, pkg)
	}
	c.Skipped = append(c.Skipped, missingRequirements(p, f, c)...)
	for _, pkg := range c.Packages {
		if err := pkg.Validate(); err != nil {
			return nil, err
		}
	}
	if err := rpmspec.Collisions(c.Packages); err != nil {
		return nil, err
	}
	if err := checkNestedImages(p, c.Packages); err != nil {
		return nil, err
	}
	tree, notes, err := treeFiles(p, f)
	if err != nil {
		return nil, err
	}
	c.Tree = tree
	if err := checkTreeClaims(c); err != nil {
		return nil, err
	}
	c.Notes = append(append(c.Notes, c.Skipped...), notes...)
	if err := checkGrants(c); err != nil {
		return nil, err
	}
	return c, nil
}

// newPackage fills the fields every qm-build package shares.
func newPackage(p *Plan, name, summary, description string) *rpmspec.Package {
	return &rpmspec.Package{
		Name:        name,
		Version:     p.Version,
		Release:     p.Release,
		Summary:     summary,
		Description: description,
		License:     rpmspec.License,
		URL:         rpmspec.URL,
		Arch:        "noarch",
	}
}

func dir(path string, mode uint, origin string) rpmspec.File {
	return rpmspec.File{Path: path, Kind: rpmspec.KindDir, Mode: rpmspec.ModeFromRPM(mode), Origin: origin}
}

func file(path string, mode uint, body []byte, origin string) rpmspec.File {
	return rpmspec.File{Path: path, Kind: rpmspec.KindFile, Mode: rpmspec.ModeFromRPM(mode), Body: body, Origin: origin}
}

func configFile(path string, body []byte, origin string) rpmspec.File {
	f := file(path, 0o644, body, origin)
	f.Flags = rpmspec.FlagConfig | rpmspec.FlagNoReplace
	return f
}

// qmEVR is "= version-release" for the qm package of a plan.
func qmEVR(p *Plan) rpmspec.Relation {
	return rpmspec.Relation{Name: "qm", Op: "=", Version: rpmspec.EVR(p.Version, p.Release)}
}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }

// checkTreeClaims refuses a drop-in file at a path a tree stage writes: the
// package and the tree would disagree about the file, and whichever was
// written last would win on the image.
func checkTreeClaims(c *Content) error {
	stage := map[string]string{}
	for _, tf := range c.Tree {
		if tf.Kind != rpmspec.KindDir {
			stage[tf.Path] = tf.Stage
		}
	}
	var errs rpmspec.Errors
	for _, pkg := range c.Packages {
		if pkg.Dropin == "" {
			continue
		}
		for _, f := range pkg.Files {
			if s, ok := stage[f.Path]; ok && f.Kind != rpmspec.KindDir {
				errs = append(errs, &rpmspec.InputError{File: f.Origin, Field: "files",
					Msg: fmt.Sprintf("%s is written by qm-build's %s stage; a drop-in (%s) cannot claim it", f.Path, s, pkg.Name)})
			}
		}
	}
	return errs.Err()
}

// missingRequirements notes the drop-in packages that a written package
// requires and this run does not write (qm-sound and qm-wayland require
// qm-oci-hooks, whose hooks turn their annotations into devices): a
// repository of these packages alone cannot be installed, and the reader
// should not learn that from dnf on the target. "all" without the hook
// program already says so where it leaves the package out.
func missingRequirements(p *Plan, f Facts, c *Content) []string {
	written := map[string]bool{}
	for _, pkg := range c.Packages {
		written[pkg.Name] = true
	}
	byPackage := map[string]*rpmspec.Dropin{}
	for _, d := range p.Catalog.All() {
		byPackage[d.PackageName()] = d
	}
	noted := map[string]bool{}
	var notes []string
	for _, pkg := range c.Packages {
		for _, r := range pkg.Requires {
			d, ok := byPackage[r.Name]
			if !ok || written[r.Name] || noted[r.Name] {
				continue
			}
			noted[r.Name] = true
			if d.HookProgram && f.HookProgram == nil {
				if slices.ContainsFunc(p.Selected, func(s *rpmspec.Dropin) bool { return s.Name == d.Name }) {
					continue // left out above, with its own note
				}
				notes = append(notes, fmt.Sprintf("%s: required by %s and not written: it needs the hook program (make hook; add --dropin %s %s bin/qm-oci-hook)", r.Name, pkg.Name, d.Name, hookFlag))
				continue
			}
			notes = append(notes, fmt.Sprintf("%s: required by %s and not written (add --dropin %s)", r.Name, pkg.Name, d.Name))
		}
	}
	return notes
}
