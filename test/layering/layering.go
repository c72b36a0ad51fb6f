package layering

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// Package is one package of the module as the checker sees it.
type Package struct {
	// Path is the import path.
	Path string
	// Imports are what its non-test files import.
	Imports []string
	// TestImports are what its _test files import (internal and external).
	TestImports []string
	// Deps is everything the package links (go list's Deps).
	Deps []string
	// TestDeps is everything its test binary links; nil without tests.
	TestDeps []string
}

// Rules is the table Check applies.
type Rules struct {
	// Module is the module path; packages outside it are third-party.
	Module string
	// Layers are the top-level folders, bottom first.
	Layers []string
	// TestLayer places each package under test/ (by its path below the
	// module) at a layer: "" is below every layer (a helper any test may
	// import), "top" above every layer.
	TestLayer map[string]string
	// TestExceptions are test-only imports that run up: package → imported
	// package → why.
	TestExceptions map[string]map[string]string
	// ImagesOnly is the one package that may import ImagesModule.
	ImagesOnly   string
	ImagesModule string
	// BlueprintModule may be imported only under BlueprintFolder.
	BlueprintModule string
	BlueprintFolder string
	// LinkManifest are the packages whose build or test binary may link
	// ImagesOnly (its importers).
	LinkManifest []string
	// Heavy are module prefixes nothing else may link.
	Heavy []string
	// LightImages are the ImagesModule packages anyone may link (what the
	// blueprint module itself imports).
	LightImages []string
	// Lean are binaries that must link nothing of ImagesModule and nothing
	// Heavy.
	Lean []string
	// Delegated are binaries (by short path) that leave some work to a
	// companion program, which alone links what that work needs: the
	// binary itself (not its test binary) must link none of it.
	Delegated map[string]Delegation
}

// Delegation is what a binary leaves to a companion program: Program names
// it; Packages are what only it may link, each a package and everything
// below it (a module, a standard package, or a package of Module by its
// short path).
type Delegation struct {
	Program  string
	Packages []string
}

const top = "top"

// Check returns every violation of r in pkgs, sorted; none means the
// layering holds.
func Check(pkgs []Package, r Rules) []string {
	var out []string
	bad := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	helper := map[string]bool{}
	for _, p := range pkgs {
		helper[p.Path] = slices.Contains(p.Imports, "testing")
	}
	used := map[[2]string]bool{}
	for _, p := range pkgs {
		rank, ok := r.rank(p.Path)
		if !ok {
			bad("%s: in no layer (add its folder to the layering table)", r.short(p.Path))
			continue
		}
		for _, q := range p.Imports {
			if !r.own(q) {
				continue
			}
			if qr, ok := r.rank(q); ok && qr > rank {
				bad("%s imports %s, a layer above it", r.short(p.Path), r.short(q))
			}
			if helper[q] && !helper[p.Path] {
				bad("%s imports the test helper %s", r.short(p.Path), r.short(q))
			}
		}
		for _, q := range p.TestImports {
			if !r.own(q) || q == p.Path {
				continue
			}
			if qr, ok := r.rank(q); ok && qr > rank {
				if _, ok := r.TestExceptions[r.short(p.Path)][r.short(q)]; ok {
					used[[2]string{r.short(p.Path), r.short(q)}] = true
					continue
				}
				bad("%s's tests import %s, a layer above it", r.short(p.Path), r.short(q))
			}
		}
		out = append(out, r.thirdParty(p)...)
		out = append(out, r.links(p)...)
		out = append(out, r.delegated(p)...)
	}
	for _, p := range slices.Sorted(maps.Keys(r.TestExceptions)) {
		for _, q := range slices.Sorted(maps.Keys(r.TestExceptions[p])) {
			if !used[[2]string{p, q}] {
				bad("the test exception %s → %s is no longer needed: remove it", p, q)
			}
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// thirdParty checks who imports osbuild/images and osbuild/blueprint.
func (r Rules) thirdParty(p Package) []string {
	var out []string
	short := r.short(p.Path)
	for _, q := range append(slices.Clone(p.Imports), p.TestImports...) {
		switch {
		case inModule(q, r.ImagesModule) && p.Path != r.ImagesOnly:
			out = append(out, fmt.Sprintf("%s imports %s: only %s may import %s", short, q, r.short(r.ImagesOnly), r.ImagesModule))
		case inModule(q, r.BlueprintModule) && short != r.BlueprintFolder && !strings.HasPrefix(short, r.BlueprintFolder+"/"):
			out = append(out, fmt.Sprintf("%s imports %s: only %s/… may import %s", short, q, r.BlueprintFolder, r.BlueprintModule))
		}
	}
	return out
}

// links checks what the package and its test binary link: one line per
// binary and rule, naming the first offending packages.
func (r Rules) links(p Package) []string {
	var out []string
	short := r.short(p.Path)
	lean := slices.Contains(r.Lean, short)
	mayLink := slices.Contains(r.LinkManifest, short) || p.Path == r.ImagesOnly
	for _, bin := range []struct {
		what string
		deps []string
	}{{short, p.Deps}, {short + "'s test binary", p.TestDeps}} {
		var manifest, heavy, fat []string
		for _, d := range bin.deps {
			switch {
			case d == r.ImagesOnly && !mayLink:
				manifest = append(manifest, r.short(d))
			case lean && (inModule(d, r.ImagesModule) || r.heavy(d)):
				fat = append(fat, d)
			case !mayLink && (r.heavy(d) || inModule(d, r.ImagesModule) && !slices.Contains(r.LightImages, d)):
				heavy = append(heavy, d)
			}
		}
		if len(manifest) > 0 {
			out = append(out, fmt.Sprintf("%s links %s (allowed only for %s)", bin.what, manifest[0], strings.Join(r.LinkManifest, ", ")))
		}
		if len(heavy) > 0 {
			out = append(out, fmt.Sprintf("%s links %s, which only what imports %s may", bin.what, some(heavy), r.short(r.ImagesOnly)))
		}
		if len(fat) > 0 {
			out = append(out, fmt.Sprintf("%s links %s: it must stay lean", bin.what, some(fat)))
		}
	}
	return out
}

// delegated checks that a binary with a Delegation links none of the
// packages its companion program alone links.
func (r Rules) delegated(p Package) []string {
	d, ok := r.Delegated[r.short(p.Path)]
	if !ok {
		return nil
	}
	var found []string
	for _, dep := range p.Deps {
		if slices.ContainsFunc(d.Packages, func(q string) bool {
			return inModule(dep, q) || inModule(dep, r.Module+"/"+q)
		}) {
			found = append(found, r.short(dep))
		}
	}
	if len(found) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("%s links %s: only %s may (it does that work for %s)", r.short(p.Path), some(found), d.Program, r.short(p.Path))}
}

// some names the first packages of a list and counts the rest.
func some(list []string) string {
	const n = 3
	if len(list) <= n {
		return strings.Join(list, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(list[:n], ", "), len(list)-n)
}

func (r Rules) heavy(p string) bool {
	return slices.ContainsFunc(r.Heavy, func(h string) bool { return inModule(p, h) })
}

// rank is a package's layer: 0 below everything, then 1… for r.Layers,
// len(r.Layers)+1 for the top of test/.
func (r Rules) rank(p string) (int, bool) {
	rel := r.short(p)
	folder, _, _ := strings.Cut(rel, "/")
	if folder == "test" {
		l, ok := r.TestLayer[rel]
		switch {
		case !ok:
			return 0, false
		case l == "":
			return 0, true
		case l == top:
			return len(r.Layers) + 1, true
		}
		folder = l
	}
	i := slices.Index(r.Layers, folder)
	return i + 1, i >= 0
}

func (r Rules) own(p string) bool { return inModule(p, r.Module) }

func (r Rules) short(p string) string { return strings.TrimPrefix(p, r.Module+"/") }

// inModule reports whether p is m or a package below it.
func inModule(p, m string) bool { return p == m || strings.HasPrefix(p, m+"/") }
