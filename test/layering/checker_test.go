package layering

import (
	"testing"

	"github.com/stretchr/testify/require"
)

const mod = "github.com/qm-build/qm-build"

// pkg is a package of the module by its short path.
func pkg(short string, imports ...string) Package {
	return Package{Path: mod + "/" + short, Imports: full(imports)}
}

func full(shorts []string) []string {
	var out []string
	for _, s := range shorts {
		if len(s) > 0 && s[0] == '!' { // a third-party or standard package
			out = append(out, s[1:])
			continue
		}
		out = append(out, mod+"/"+s)
	}
	return out
}

func withTests(p Package, imports ...string) Package {
	p.TestImports = full(imports)
	return p
}

func withDeps(p Package, deps, testDeps []string) Package {
	p.Deps, p.TestDeps = deps, testDeps
	return p
}

// TestCheck runs the checker on synthetic import graphs: the back-up
// imports qm-build had before the layering (each must be caught), and one
// case per rule of the table.
func TestCheck(t *testing.T) {
	rules := QMBuild([]string{"github.com/osbuild/images/pkg/pathpolicy"})
	for _, tc := range []struct {
		name string
		pkgs []Package
		want []string
	}{
		{"downward imports are fine", []Package{
			pkg("cmd/qm-build", "stages", "blueprints", "rootfs", "selinux", "rpmspec"),
			pkg("stages", "blueprints/qmstage", "rootfs/quadlet", "rpmspec/rpm"),
			pkg("rootfs", "rootfs/quadlet", "rootfs/atomic", "selinux"),
			pkg("rootfs/quadlet", "rootfs/unitfile"),
			pkg("selinux", "rpmspec"),
		}, nil},
		// The back-up imports of qm-build before the layering:
		{"rootfs imported the format models under stages", []Package{
			pkg("rootfs", "stages/quadlet", "stages/seccomp", "stages/bluechi", "stages/unitfile"),
		}, []string{
			"rootfs imports stages/bluechi, a layer above it",
			"rootfs imports stages/quadlet, a layer above it",
			"rootfs imports stages/seccomp, a layer above it",
			"rootfs imports stages/unitfile, a layer above it",
		}},
		{"blueprints imported the stage's options from stages", []Package{
			pkg("blueprints", "stages/osbuildstage"),
		}, []string{"blueprints imports stages/osbuildstage, a layer above it"}},
		{"selinux wrote its cache with rootfs/atomic", []Package{
			pkg("selinux", "rootfs/atomic"),
		}, []string{"selinux imports rootfs/atomic, a layer above it"}},
		{"rpmtest composed packages through stages", []Package{
			pkg("rpmspec/rpm/rpmtest", "!testing", "stages", "rootfs", "selinux"),
		}, []string{
			"rpmspec/rpm/rpmtest imports rootfs, a layer above it",
			"rpmspec/rpm/rpmtest imports selinux, a layer above it",
			"rpmspec/rpm/rpmtest imports stages, a layer above it",
		}},
		{"blueprints imported osbuild/images", []Package{
			pkg("blueprints", "!github.com/osbuild/images/pkg/manifest", "!github.com/osbuild/blueprint/pkg/blueprint"),
		}, []string{"blueprints imports github.com/osbuild/images/pkg/manifest: only blueprints/manifest may import github.com/osbuild/images"}},
		{"a test importing osbuild/images", []Package{
			withTests(pkg("blueprints"), "!github.com/osbuild/images/pkg/policies"),
		}, []string{"blueprints imports github.com/osbuild/images/pkg/policies: only blueprints/manifest may import github.com/osbuild/images"}},
		{"osbuild/blueprint outside blueprints", []Package{
			withTests(pkg("stages"), "!github.com/osbuild/blueprint/pkg/blueprint"),
			pkg("blueprints/qmstage", "!github.com/osbuild/blueprint/pkg/blueprint"),
		}, []string{"stages imports github.com/osbuild/blueprint/pkg/blueprint: only blueprints/… may import github.com/osbuild/blueprint"}},
		{"a test binary that links grpc", []Package{
			withDeps(pkg("rpmspec"), nil, []string{"google.golang.org/grpc"}),
			withDeps(pkg("rootfs"), []string{"github.com/osbuild/images/pkg/pathpolicy"}, nil),
		}, []string{"rpmspec's test binary links google.golang.org/grpc, which only what imports blueprints/manifest may"}},
		{"linking the manifest package", []Package{
			withDeps(pkg("stages/check"), []string{mod + "/blueprints/manifest"}, nil),
			withDeps(pkg("cmd/qm-build-manifest"), []string{mod + "/blueprints/manifest", "github.com/sigstore/x"}, nil),
			withDeps(pkg("cmd/qm-build"), []string{mod + "/blueprints/manifest"}, nil),
		}, []string{
			"cmd/qm-build links blueprints/manifest (allowed only for blueprints/manifest, cmd/qm-build-manifest)",
			"stages/check links blueprints/manifest (allowed only for blueprints/manifest, cmd/qm-build-manifest)",
		}},
		{"the stage program links a package of osbuild/images, even a light one", []Package{
			withDeps(pkg("cmd/org.osbuild.qm"), []string{"github.com/osbuild/images/pkg/pathpolicy"}, nil),
		}, []string{"cmd/org.osbuild.qm links github.com/osbuild/images/pkg/pathpolicy: it must stay lean"}},
		{"qm-build links the registry client qm-build-publish alone links", []Package{
			withDeps(pkg("cmd/qm-build"), []string{"fmt", "github.com/google/go-containerregistry/pkg/name", "github.com/opencontainers/go-digest",
				mod + "/stages/publish/oci", mod + "/stages/publish/ociref", "net/http", "net/http/httptrace", "net/url"}, nil),
			withDeps(pkg("cmd/qm-build-publish"), []string{"github.com/google/go-containerregistry/pkg/name", "net/http", mod + "/stages/publish/oci"}, nil),
			withDeps(pkg("stages/publish/ociref"), []string{"net/url"}, []string{"net/http"}),
			withDeps(pkg("cmd/org.osbuild.qm"), nil, []string{"net/http"}),
		}, []string{"cmd/qm-build links github.com/google/go-containerregistry/pkg/name, github.com/opencontainers/go-digest, stages/publish/oci and 2 more: only cmd/qm-build-publish may (it does that work for cmd/qm-build)"}},
		{"qm-build's test binary may link the registry client (a test registry)", []Package{
			withDeps(pkg("cmd/qm-build"), []string{"fmt", mod + "/stages/publish/ociref"}, []string{"github.com/google/go-containerregistry/pkg/registry", "net/http", mod + "/stages/publish/oci"}),
		}, nil},
		{"a product package importing a test helper", []Package{
			pkg("stages", "test/verifiers"),
			pkg("test/verifiers", "!testing"),
			pkg("rpmspec/rpm/rpmtest", "!testing", "test/verifiers"),
			withTests(pkg("rpmspec"), "test/golden"),
		}, []string{"stages imports the test helper test/verifiers"}},
		{"tests follow the layers too", []Package{
			withTests(pkg("selinux"), "stages"),
			withTests(pkg("rootfs"), "test/composed", "rpmspec/rpm/rpmtest"),
		}, []string{"selinux's tests import stages, a layer above it"}},
		{"a folder in no layer", []Package{
			pkg("internal/x"), pkg("test/new"),
		}, []string{
			"internal/x: in no layer (add its folder to the layering table)",
			"test/new: in no layer (add its folder to the layering table)",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rules
			r.TestExceptions = nil
			require.Equal(t, tc.want, Check(tc.pkgs, r))
		})
	}
}

// TestCheckExceptions: a listed test exception lets a test import upward,
// and one nothing needs any more is an error.
func TestCheckExceptions(t *testing.T) {
	r := QMBuild(nil)
	r.TestExceptions = map[string]map[string]string{
		"rpmspec":     {"test/composed": "why"},
		"rpmspec/rpm": {"test/composed": "why"},
	}
	got := Check([]Package{
		withTests(pkg("rpmspec"), "test/composed", "rootfs"),
		pkg("rpmspec/rpm"),
	}, r)
	require.Equal(t, []string{
		"rpmspec's tests import rootfs, a layer above it",
		"the test exception rpmspec/rpm → test/composed is no longer needed: remove it",
	}, got)
}
