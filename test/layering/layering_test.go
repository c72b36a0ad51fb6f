package layering

import (
	"bytes"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/test/verifiers"
)

// goList runs `go list -e -deps -test -json ./...` at the repository root,
// with the build flags of the environment (the Makefile's GOFLAGS tags).
func goList(t *testing.T) []byte {
	t.Helper()
	goBin, err := exec.LookPath("go")
	require.NoError(t, err, "go test puts GOROOT/bin on PATH")
	cmd := exec.Command(goBin, "list", "-e", "-deps", "-test", "-json", "./...")
	cmd.Dir = verifiers.RepoRoot(t)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "go list: %s", stderr.String())
	return out
}

// lightImages are the osbuild/images packages osbuild/blueprint links.
func lightImages(t *testing.T, data []byte) []string {
	t.Helper()
	all, err := ParseGoList(bytes.NewReader(data), "github.com/osbuild/blueprint")
	require.NoError(t, err)
	var out []string
	for _, p := range all {
		if p.Path == "github.com/osbuild/blueprint/pkg/blueprint" {
			for _, d := range p.Deps {
				if inModule(d, "github.com/osbuild/images") {
					out = append(out, d)
				}
			}
		}
	}
	require.NotEmpty(t, out, "osbuild/blueprint is in the build graph")
	return out
}

// TestLayering applies the table in rules.go to the module as it is.
func TestLayering(t *testing.T) {
	data := goList(t)
	r := QMBuild(lightImages(t, data))
	pkgs, err := ParseGoList(bytes.NewReader(data), r.Module)
	require.NoError(t, err)
	require.Greater(t, len(pkgs), 30, "go list found the module's packages")
	var paths []string
	for _, p := range pkgs {
		paths = append(paths, r.short(p.Path))
	}
	for _, want := range []string{"rpmspec", "rootfs/quadlet", "blueprints/manifest", "stages/osbuildstage", "cmd/qm-build"} {
		require.True(t, slices.Contains(paths, want), "go list lists %s", want)
	}
	if v := Check(pkgs, r); len(v) > 0 {
		t.Fatalf("the layering is broken (see test/layering/rules.go and docs/design.md):\n  %s", strings.Join(v, "\n  "))
	}
}

// TestGoListFixture: the fixture the fuzz target starts from is real go list
// output and parses into the packages it holds.
func TestGoListFixture(t *testing.T) {
	data, err := os.ReadFile("testdata/golist.json")
	require.NoError(t, err)
	pkgs, err := ParseGoList(bytes.NewReader(data), "example.com/m")
	require.NoError(t, err)
	require.Equal(t, []Package{
		{Path: "example.com/m/a", Imports: []string{"example.com/m/b", "fmt"}, TestImports: []string{"example.com/m/a", "testing"},
			Deps: []string{"example.com/m/b", "fmt"}, TestDeps: []string{"example.com/m/b", "fmt", "testing"}},
		{Path: "example.com/m/b", Imports: []string{"fmt"}, Deps: []string{"fmt"}},
	}, pkgs)
}

func FuzzParseGoList(f *testing.F) {
	data, err := os.ReadFile("testdata/golist.json")
	require.NoError(f, err)
	f.Add(data)
	f.Add([]byte(`{"ImportPath": "example.com/m/x.test", "Deps": ["a [x.test]"]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := ParseGoList(bytes.NewReader(data), "example.com/m")
		if err != nil {
			return
		}
		for _, p := range pkgs {
			require.True(t, inModule(p.Path, "example.com/m"), p.Path)
			require.True(t, slices.IsSorted(p.Deps) && slices.IsSorted(p.TestDeps))
			require.False(t, slices.Contains(p.TestDeps, p.Path), "a test binary's deps leave out the package itself")
		}
	})
}
