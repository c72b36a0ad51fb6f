package rpm

import (
	"bytes"
	"sort"
	"strings"
	"sync"

	"github.com/qm-build/qm-build/rpmspec"
)

// Dependency flags (rpmsenseFlags in rpm's include/rpm/rpmds.h).
const (
	senseLess         = 1 << 1  // RPMSENSE_LESS
	senseGreater      = 1 << 2  // RPMSENSE_GREATER
	senseEqual        = 1 << 3  // RPMSENSE_EQUAL
	sensePosttrans    = 1 << 5  // RPMSENSE_POSTTRANS
	sensePretrans     = 1 << 7  // RPMSENSE_PRETRANS
	senseInterp       = 1 << 8  // RPMSENSE_INTERP
	senseScriptPre    = 1 << 9  // RPMSENSE_SCRIPT_PRE
	senseScriptPost   = 1 << 10 // RPMSENSE_SCRIPT_POST
	senseScriptPreun  = 1 << 11 // RPMSENSE_SCRIPT_PREUN
	senseScriptPostun = 1 << 12 // RPMSENSE_SCRIPT_POSTUN
	senseFindRequires = 1 << 14 // RPMSENSE_FIND_REQUIRES: found by a generator
	senseRPMLib       = 1 << 24 // RPMSENSE_RPMLIB
	senseConfig       = 1 << 28 // RPMSENSE_CONFIG
	rpmlibFlags       = senseRPMLib | senseLess | senseEqual
)

// dep is one dependency as rpm stores it: name, flags, version.
type dep struct {
	name    string
	flags   uint32
	version string
}

// deps are a package's relations, ready for the header.
type deps struct {
	provides, requires, obsoletes, conflicts, recommends []dep
}

// senseOf converts a model operator to rpm's comparison bits.
func senseOf(op string) uint32 {
	var f uint32
	if strings.Contains(op, "<") {
		f |= senseLess
	}
	if strings.Contains(op, ">") {
		f |= senseGreater
	}
	if strings.Contains(op, "=") {
		f |= senseEqual
	}
	return f
}

func fromModel(rs rpmspec.Relations) []dep {
	out := make([]dep, 0, len(rs))
	for _, r := range rs {
		out = append(out, dep{name: r.Name, flags: senseOf(r.Op), version: r.Version})
	}
	return out
}

// isaNames are rpm's instruction-set names (%_isa without the parentheses)
// of the architectures qm-build packages for.
var isaNames = sync.OnceValue(func() map[string]string {
	return map[string]string{"x86_64": "x86-64", "aarch64": "aarch-64"}
})

// scriptletContext is the RPMSENSE_SCRIPT_* flag of each scriptlet section.
var scriptletContext = sync.OnceValue(func() map[string]uint32 {
	return map[string]uint32{
		"pre":       senseScriptPre,
		"post":      senseScriptPost,
		"preun":     senseScriptPreun,
		"postun":    senseScriptPostun,
		"pretrans":  sensePretrans,
		"posttrans": sensePosttrans,
	}
})

// relationsOf returns the package's relations plus those rpmbuild adds (see
// the package documentation), sorted and without duplicates.
func relationsOf(p *rpmspec.Package, compressor string) deps {
	evr := p.EVR()
	d := deps{
		provides:   fromModel(p.Provides),
		requires:   fromModel(p.Requires),
		obsoletes:  fromModel(p.Obsoletes),
		conflicts:  fromModel(p.Conflicts),
		recommends: fromModel(p.Recommends),
	}
	d.provides = append(d.provides, dep{p.Name, senseEqual, evr})
	if isa, ok := isaNames()[p.Arch]; ok {
		// rpmbuild provides name(ISA) = V-R for a package of an
		// architecture (%{name}%{?_isa}, rpm's platform macros).
		d.provides = append(d.provides, dep{p.Name + "(" + isa + ")", senseEqual, evr})
	}
	hasConfig := false
	for _, f := range p.Files {
		if f.Flags&rpmspec.FlagConfig != 0 {
			hasConfig = true
		}
		if interp := interpreter(f); interp != "" {
			d.requires = append(d.requires, dep{interp, senseFindRequires, ""})
		}
	}
	if hasConfig {
		cfg := dep{"config(" + p.Name + ")", senseConfig | senseEqual, evr}
		d.provides = append(d.provides, cfg)
		d.requires = append(d.requires, cfg)
	}
	p.Scripts.Each(func(section, _ string) {
		d.requires = append(d.requires, dep{"/bin/sh", senseInterp | scriptletContext()[section], ""})
	})
	if len(p.Files) > 0 {
		d.requires = append(d.requires,
			dep{"rpmlib(CompressedFileNames)", rpmlibFlags, "3.0.4-1"},
			dep{"rpmlib(FileDigests)", rpmlibFlags, "4.6.0-1"},
			dep{"rpmlib(PayloadFilesHavePrefix)", rpmlibFlags, "4.0-1"})
	}
	switch compressor {
	case "zstd":
		d.requires = append(d.requires, dep{"rpmlib(PayloadIsZstd)", rpmlibFlags, "5.4.18-1"})
	case "xz":
		d.requires = append(d.requires, dep{"rpmlib(PayloadIsXz)", rpmlibFlags, "5.2-1"})
	}
	for _, l := range []*[]dep{&d.provides, &d.requires, &d.obsoletes, &d.conflicts, &d.recommends} {
		*l = sortDeps(*l)
	}
	return d
}

// interpreter is what rpm's script.req finds for an executable file: the
// program named on its "#!" line.
func interpreter(f rpmspec.File) string {
	if f.Kind != rpmspec.KindFile || f.Mode&0o111 == 0 || !bytes.HasPrefix(f.Body, []byte("#!")) {
		return ""
	}
	line, _, _ := bytes.Cut(f.Body[2:], []byte("\n"))
	fields := strings.Fields(string(line))
	if len(fields) == 0 || !strings.HasPrefix(fields[0], "/") {
		return ""
	}
	return fields[0]
}

func sortDeps(ds []dep) []dep {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		if a.name != b.name {
			return a.name < b.name
		}
		if a.flags != b.flags {
			return a.flags < b.flags
		}
		return a.version < b.version
	})
	out := ds[:0]
	for i, x := range ds {
		if i > 0 && x == ds[i-1] {
			continue
		}
		out = append(out, x)
	}
	return out
}

// tags returns the relation tags (names, flags, versions of each kind).
// Empty kinds are left out. Provides are always present (the self-provide).
func (d deps) tags() []tagged {
	var out []tagged
	add := func(ds []dep, nameTag, flagsTag, verTag int) {
		if len(ds) == 0 {
			return
		}
		names := make([]string, len(ds))
		flags := make([]uint32, len(ds))
		vers := make([]string, len(ds))
		for i, x := range ds {
			names[i], flags[i], vers[i] = x.name, x.flags, x.version
		}
		out = append(out,
			tagged{nameTag, entryStrings(names)},
			tagged{flagsTag, entryUint32(flags)},
			tagged{verTag, entryStrings(vers)})
	}
	add(d.provides, tagProvideName, tagProvideFlags, tagProvideVer)
	add(d.requires, tagRequireName, tagRequireFlags, tagRequireVer)
	add(d.obsoletes, tagObsoleteName, tagObsoleteFlags, tagObsoleteVer)
	add(d.conflicts, tagConflictName, tagConflictFlags, tagConflictVer)
	add(d.recommends, tagRecommendName, tagRecommendFlag, tagRecommendVer)
	return out
}
