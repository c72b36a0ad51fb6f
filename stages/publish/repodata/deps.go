package repodata

import (
	"fmt"
	"strings"

	rpmheader "github.com/qm-build/qm-build/rpmspec/rpm/header"
)

// depKind is one dependency list of the header, in the order createrepo_c's
// dep_items table reads them (parsehdr.c): provides must come before
// requires, which are filtered against them.
type depKind struct {
	name, flags, version int
	list                 func(p *Package) *[]Dependency
}

var depKinds = []depKind{
	{tagProvideName, tagProvideFlags, tagProvideVersion, func(p *Package) *[]Dependency { return &p.Provides }},
	{tagConflictName, tagConflictFlags, tagConflictVersion, func(p *Package) *[]Dependency { return &p.Conflicts }},
	{tagObsoleteName, tagObsoleteFlags, tagObsoleteVersion, func(p *Package) *[]Dependency { return &p.Obsoletes }},
	{tagRequireName, tagRequireFlags, tagRequireVersion, func(p *Package) *[]Dependency { return &p.Requires }},
	{tagSuggestName, tagSuggestFlags, tagSuggestVersion, func(p *Package) *[]Dependency { return &p.Suggests }},
	{tagEnhanceName, tagEnhanceFlags, tagEnhanceVersion, func(p *Package) *[]Dependency { return &p.Enhances }},
	{tagRecommendName, tagRecommendFlags, tagRecommendVersion, func(p *Package) *[]Dependency { return &p.Recommends }},
	{tagSupplementName, tagSupplementFlags, tagSupplementVer, func(p *Package) *[]Dependency { return &p.Supplements }},
	// Pre-4.12 weak dependencies (ENABLE_LEGACY_WEAKDEPS, on in Debian's and
	// Fedora's createrepo_c): RPMSENSE_STRONG picks the strong kind.
	{tagOldSuggestsName, tagOldSuggestsFlags, tagOldSuggestsVer, nil},
	{tagOldEnhancesName, tagOldEnhancesFlags, tagOldEnhancesVer, nil},
}

// deps fills the dependency lists with createrepo_c's filtering of requires:
// rpmlib() requires, requires on the package's own primary files, requires
// the package provides itself (same name, flags and version) and repeats of
// the previous identical require are dropped; pre is set for
// Requires(pre), Requires(post) and PreReq; RPMSENSE_MISSINGOK requires are
// recommends; of several libc.so.6 requires only the newest is kept, last.
func deps(p *Package, h *header) {
	files := map[string]bool{}
	for _, f := range p.Files {
		files[f.Path] = true
	}
	provided := map[string]bool{}
	type seenReq struct {
		flags, version string
		pre            bool
	}
	lastReq := map[string]seenReq{}
	for _, k := range depKinds {
		names := h.GetTag(k.name).StringSlice()
		flags := h.GetTag(k.flags).Int64Slice()
		vers := h.GetTag(k.version).StringSlice()
		n := min(len(names), len(flags), len(vers))
		var libc *Dependency
		for i := 0; i < n; i++ {
			name, fl, full := names[i], flags[i], vers[i]
			fs := flagString(fl)
			nfv := name + fs + full
			isReq := k.name == tagRequireName
			pre := false
			if isReq {
				if strings.HasPrefix(name, "rpmlib(") {
					continue
				}
				if strings.HasPrefix(name, "/") && files[name] && IsPrimaryFile(name) {
					continue
				}
				if provided[nfv] {
					continue
				}
				pre = fl&(sensePrereq|senseScriptPre|senseScriptPost) != 0
				if s, ok := lastReq[name]; ok && s.flags == fs && s.version == full && s.pre == pre {
					continue
				}
			}
			e, v, r, ok := parseEVR(full)
			if !ok {
				continue // "Bad epoch in version string": createrepo_c skips it
			}
			d := Dependency{Name: name, Flags: fs, Epoch: e, Version: v, Release: r}
			switch {
			case k.name == tagProvideName:
				provided[nfv] = true
				p.Provides = append(p.Provides, d)
			case isReq && fl&senseMissingOK != 0:
				p.Recommends = append(p.Recommends, d)
			case isReq:
				d.Pre = pre
				if strings.HasPrefix(name, "libc.so.6") {
					if libc == nil || libcNewer(libc.Name, name) {
						libc = &d
					}
					continue
				}
				p.Requires = append(p.Requires, d)
				lastReq[name] = seenReq{fs, full, pre}
			case k.name == tagOldSuggestsName:
				if fl&senseStrong != 0 {
					p.Recommends = append(p.Recommends, d)
				} else {
					p.Suggests = append(p.Suggests, d)
				}
			case k.name == tagOldEnhancesName:
				if fl&senseStrong != 0 {
					p.Supplements = append(p.Supplements, d)
				} else {
					p.Enhances = append(p.Enhances, d)
				}
			default:
				l := k.list(p)
				*l = append(*l, d)
			}
		}
		if libc != nil {
			p.Requires = append(p.Requires, *libc)
		}
	}
}

// changelogs returns at most limit entries, oldest first, as createrepo_c
// lists them: the header holds them newest first; trailing blanks of the
// author are trimmed; when entries share a date, the newer ones are moved
// one second later each so that dates stay unique (parsehdr.c).
func changelogs(h *header, limit int) []Changelog {
	times := h.GetTag(tagChangelogTime).Int64Slice()
	names := h.GetTag(tagChangelogName).StringSlice()
	texts := h.GetTag(tagChangelogText).StringSlice()
	n := min(len(times), len(names), len(texts))
	if limit >= 0 && n > limit {
		n = limit
	}
	// out is built newest-last by prepending, exactly like the C list.
	out := make([]Changelog, 0, n)
	var last int64
	for i := 0; i < n; i++ {
		author := names[i]
		for len(author) > 1 && author[len(author)-1] == ' ' {
			author = author[:len(author)-1]
		}
		c := Changelog{Author: author, Date: times[i], Text: texts[i]}
		out = append([]Changelog{c}, out...)
		if last == c.Date {
			t := c.Date
			for j := 1; j < len(out) && out[j].Date == t; j++ {
				out[j].Date++
				t++
			}
		} else {
			last = c.Date
		}
	}
	return out
}

// checkControlChars refuses ASCII control characters other than tab, newline
// and carriage return in any text that goes into the XML, as createrepo_c's
// cr_Package_contains_forbidden_control_chars does (XML 1.0 cannot carry them).
func checkControlChars(p *Package) error {
	check := func(field, s string) error {
		for i := 0; i < len(s); i++ {
			if c := s[i]; c < 32 && c != '\t' && c != '\n' && c != '\r' {
				return fmt.Errorf("%w: %s contains the control character %#02x, which XML cannot carry", ErrCorrupt, field, c)
			}
		}
		return nil
	}
	fields := []struct{ name, v string }{
		{"name", p.Name}, {"arch", p.Arch}, {"epoch", p.Epoch}, {"version", p.Version},
		{"release", p.Release}, {"summary", p.Summary}, {"description", p.Description},
		{"url", p.URL}, {"license", p.License}, {"vendor", p.Vendor}, {"group", p.Group},
		{"buildhost", p.BuildHost}, {"sourcerpm", p.SourceRPM}, {"packager", p.Packager},
	}
	for _, l := range p.depLists() {
		for _, d := range *l.list {
			fields = append(fields, struct{ name, v string }{l.elem, d.Name + d.Epoch + d.Version + d.Release})
		}
	}
	for _, f := range p.Files {
		// A file name may not even have a newline: rpm -ql, filelists'
		// readers and file contexts read names line by line.
		if err := rpmheader.CheckFileName(f.Path); err != nil {
			return fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
	}
	for _, c := range p.Changelogs {
		fields = append(fields, struct{ name, v string }{"changelog", c.Author + c.Text})
	}
	for _, f := range fields {
		if err := check(f.name, f.v); err != nil {
			return err
		}
	}
	return nil
}
