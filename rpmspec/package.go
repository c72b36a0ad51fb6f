package rpmspec

import (
	"fmt"
	"sort"
)

// License is the licence of every package qm-build writes, as upstream QM's.
const License = "GPL-2.0-only"

// URL is the upstream project the packages come from.
const URL = "https://github.com/containers/qm"

// Package is one binary RPM, as data.
type Package struct {
	Name        string
	Version     string
	Release     string
	Summary     string
	Description string
	License     string
	URL         string
	Arch        string // "noarch" for everything qm-build writes

	Requires   Relations
	Provides   Relations
	Obsoletes  Relations
	Conflicts  Relations
	Recommends Relations

	Files   []File
	Scripts Scriptlets

	// Dropin is the drop-in's short name for drop-in packages, "" for qm.
	Dropin string
	// SourceRPM is the source package the binary comes from
	// (RPMTAG_SOURCERPM): the spec it is rendered in. "" means
	// qm-V-R.src.rpm with the package's own version and release.
	SourceRPM string
}

// Scriptlets are the package's shell scriptlets, run by /bin/sh. Each is the
// script body; an empty one is absent.
type Scriptlets struct {
	Pre, Post, PreUn, PostUn, PreTrans, PostTrans string
}

// Each calls fn for every non-empty scriptlet with its spec section name
// ("pre", "post", "preun", "postun", "pretrans", "posttrans"), in that order.
func (s Scriptlets) Each(fn func(section, body string)) {
	for _, x := range []struct{ name, body string }{
		{"pre", s.Pre}, {"post", s.Post}, {"preun", s.PreUn},
		{"postun", s.PostUn}, {"pretrans", s.PreTrans}, {"posttrans", s.PostTrans},
	} {
		if x.body != "" {
			fn(x.name, x.body)
		}
	}
}

// EVR is the package's version-release.
func (p *Package) EVR() string { return EVR(p.Version, p.Release) }

// NVRA is name-version-release.arch, the base of the RPM file name.
func (p *Package) NVRA() string {
	return fmt.Sprintf("%s-%s-%s.%s", p.Name, p.Version, p.Release, p.Arch)
}

// FileName is the conventional RPM file name, NVRA + ".rpm".
func (p *Package) FileName() string { return p.NVRA() + ".rpm" }

// SortedFiles returns the files ordered by path, the order rpm stores them in.
func (p *Package) SortedFiles() []File {
	out := append([]File(nil), p.Files...)
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// MaxDescription bounds a package's summary and description together: far
// below rpm's 256 MiB of header data, far above any real description.
const MaxDescription = 1 << 20

// Validate checks a package: versions, paths, duplicate paths, file modes and
// kinds, the size of its description. It reports every problem at once.
func (p *Package) Validate() error {
	var errs Errors
	if p.Name == "" {
		errs.add("", 0, "name", "package name is empty")
	}
	for _, f := range []struct{ field, v string }{{"version", p.Version}, {"release", p.Release}} {
		if err := ValidateVersion(f.field, f.v); err != nil {
			errs = append(errs, AsErrors(err)...)
		}
	}
	if n := len(p.Summary) + len(p.Description); n > MaxDescription {
		errs.add("", 0, "description", "%s: the summary and description are %d bytes, more than %d (rpm refuses a header of more than 256 MiB)", p.Name, n, MaxDescription)
	}
	seen := map[string]string{}
	for i, f := range p.Files {
		field := fmt.Sprintf("%s: files[%d]", p.Name, i)
		if err := CheckPackagePath(f.Path); err != nil {
			errs.add(f.Origin, 0, field, "%v", err)
			continue
		}
		if prev, dup := seen[f.Path]; dup {
			errs.add(f.Origin, 0, field, "%s is declared twice (also %s)", f.Path, prev)
		}
		seen[f.Path] = f.Origin
		if f.Kind == KindSymlink && f.Target == "" {
			errs.add(f.Origin, 0, field, "symlink %s has no target", f.Path)
		}
		if f.Kind != KindFile && len(f.Body) > 0 {
			errs.add(f.Origin, 0, field, "%s %s has content", f.Kind, f.Path)
		}
		if f.Mode.Type() != 0 {
			errs.add(f.Origin, 0, field, "mode of %s has file-type bits", f.Path)
		}
	}
	return errs.Err()
}

// Collisions reports every regular file or symlink that more than one package
// claims, naming both packages and where each declaration came from.
// Directories may be shared, as rpm allows.
func Collisions(pkgs []*Package) error {
	type claim struct {
		pkg    string
		origin string
	}
	owners := map[string]claim{}
	var errs Errors
	for _, p := range pkgs {
		for _, f := range p.Files {
			if f.Kind == KindDir {
				continue
			}
			if prev, ok := owners[f.Path]; ok && prev.pkg != p.Name {
				errs.add(f.Origin, 0, "path", "%s is claimed by both %s (%s) and %s", f.Path, prev.pkg, orUnknown(prev.origin), p.Name)
				continue
			}
			owners[f.Path] = claim{p.Name, f.Origin}
		}
	}
	return errs.Err()
}

func orUnknown(s string) string {
	if s == "" {
		return "generated"
	}
	return s
}
