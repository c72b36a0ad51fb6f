package layering

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// goListPackage is the part of `go list -json` output the checker reads.
type goListPackage struct {
	ImportPath   string
	Imports      []string
	TestImports  []string
	XTestImports []string
	Deps         []string
}

// ParseGoList reads the output of `go list -e -deps -test -json ./...` and
// returns the module's packages, each with its test binary's dependencies
// (from the PKG.test entry), sorted by path.
func ParseGoList(r io.Reader, module string) ([]Package, error) {
	pkgs := map[string]*Package{}
	get := func(path string) *Package {
		if p, ok := pkgs[path]; ok {
			return p
		}
		p := &Package{Path: path}
		pkgs[path] = p
		return p
	}
	dec := json.NewDecoder(r)
	for {
		var g goListPackage
		err := dec.Decode(&g)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("decoding go list output: %w", err)
		}
		path := g.ImportPath
		switch {
		case !inModule(path, module) || strings.Contains(path, " ") || strings.HasSuffix(path, "_test"):
			// Third-party packages, and test variants: the PKG.test
			// entry carries their closure.
		case strings.HasSuffix(path, ".test"):
			p := get(strings.TrimSuffix(path, ".test"))
			p.TestDeps = testDeps(g.Deps, p.Path)
		default:
			p := get(path)
			p.Imports = union(p.Imports, g.Imports)
			p.TestImports = union(p.TestImports, g.TestImports, g.XTestImports)
			p.Deps = union(p.Deps, g.Deps)
		}
	}
	out := make([]Package, 0, len(pkgs))
	for _, k := range slices.Sorted(maps.Keys(pkgs)) {
		out = append(out, *pkgs[k])
	}
	return out, nil
}

// testDeps strips the " [PKG.test]" variant suffix and leaves out the
// package and its external test package.
func testDeps(deps []string, self string) []string {
	var out []string
	for _, d := range deps {
		d, _, _ = strings.Cut(d, " ")
		if d != self && d != self+"_test" {
			out = append(out, d)
		}
	}
	return union(out)
}

// union is the sorted set of the lists' elements; nil for none.
func union(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	if len(out) == 0 {
		return nil
	}
	slices.Sort(out)
	return slices.Compact(out)
}
