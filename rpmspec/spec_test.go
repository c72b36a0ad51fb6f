package rpmspec_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/rpmspec/rpm/rpmtest"
	"github.com/qm-build/qm-build/test/composed"
	"github.com/qm-build/qm-build/test/golden"
)

// TestSpecGolden renders the edge-case fixture; rpmbuild builds the same
// spec in rpmspec/rpm's differential test.
func TestSpecGolden(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, rpmspec.Spec(&b, rpmtest.EdgePackages()))
	golden.Check(t, filepath.Join("testdata", "edge.spec"), b.Bytes())
}

// TestSpecCoversEveryPackage renders whatever the model holds for qm and
// every drop-in: one sub-package, one %files section and one %install
// command per file.
func TestSpecCoversEveryPackage(t *testing.T) {
	// The noarch packages make qm's spec; the hook package, built per
	// architecture, a spec of its own.
	var pkgs []*rpmspec.Package
	for _, p := range composed.All(t) {
		if p.Arch == "noarch" {
			pkgs = append(pkgs, p)
			continue
		}
		var b bytes.Buffer
		require.NoError(t, rpmspec.Spec(&b, []*rpmspec.Package{p}))
		require.Contains(t, b.String(), "\nName:           "+p.Name+"\nVersion:        "+p.Version+"\n")
	}
	var b bytes.Buffer
	require.NoError(t, rpmspec.Spec(&b, pkgs))
	spec := b.String()
	require.Contains(t, spec, "\nName:           qm\n")
	require.Contains(t, spec, "\n%files\n")
	for _, p := range pkgs[1:] {
		require.Contains(t, spec, "\n%package -n "+p.Name+"\n")
		require.Contains(t, spec, "\n%description -n "+p.Name+"\n")
		require.Contains(t, spec, "\n%files -n "+p.Name+"\n")
	}
	for _, p := range pkgs {
		for _, f := range p.Files {
			require.Contains(t, spec, " "+f.Path+"\n", "no %%files line for %s", f.Path)
			if f.Kind == rpmspec.KindFile {
				require.Contains(t, spec, "'%{buildroot}"+f.Path+"'", "%s is not installed", f.Path)
			}
		}
	}
}

func TestSpecBadInput(t *testing.T) {
	edge := func() []*rpmspec.Package { return rpmtest.EdgePackages() }
	for _, tc := range []struct {
		name   string
		mutate func(ps []*rpmspec.Package)
		want   string
	}{
		{"a path with a space", func(ps []*rpmspec.Package) { ps[1].Files[0].Path = "/etc/qm/a b.conf" }, `qm-edge: /etc/qm/a b.conf: "/etc/qm/a b.conf" holds ' ', which a spec's %files cannot express`},
		{"a glob character", func(ps []*rpmspec.Package) { ps[1].Files[0].Path = "/etc/qm/a*.conf" }, `holds '*'`},
		{"a macro in a path", func(ps []*rpmspec.Package) { ps[1].Files[0].Path = "/etc/qm/%{x}" }, `holds '%'`},
		{"a quote in a symlink target", func(ps []*rpmspec.Package) {
			ps[1].Files = append(ps[1].Files, rpmspec.File{Path: "/etc/qm/l", Kind: rpmspec.KindSymlink, Mode: 0o777, Target: "it's"})
		}, `qm-edge: /etc/qm/l: symlink target: "it's" holds '\''`},
		{"a description line starting with %", func(ps []*rpmspec.Package) { ps[1].Description = "fine\n%post\n" }, `qm-edge: description: line "%post" starts with '%', which rpmbuild reads as a spec section`},
		{"a scriptlet line starting with %", func(ps []*rpmspec.Package) { ps[0].Scripts.Post = "  %files\n" }, `qm: %post: line "  %files" starts with '%'`},
		{"two releases", func(ps []*rpmspec.Package) { ps[1].Release = "9" }, `qm-edge: release 9 differs from qm's 3; one spec has one release`},
		{"an architecture-specific sub-package", func(ps []*rpmspec.Package) { ps[1].Arch = "x86_64" },
			`qm-edge: is built for x86_64; a spec whose main package (qm) is noarch has only noarch sub-packages: render it in a spec of its own`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps := edge()
			tc.mutate(ps)
			var b bytes.Buffer
			err := rpmspec.Spec(&b, ps)
			require.ErrorContains(t, err, tc.want)
			require.ErrorIs(t, err, rpmspec.ErrInvalid)
			require.Zero(t, b.Len(), "a partial spec was written")
		})
	}
	t.Run("no packages", func(t *testing.T) {
		require.Error(t, rpmspec.Spec(&bytes.Buffer{}, nil))
	})
}

// TestSpecOwnVersionAndArch: a sub-package with a version of its own gets a
// Version: line; an architecture-specific main package has no BuildArch.
func TestSpecOwnVersionAndArch(t *testing.T) {
	ps := rpmtest.EdgePackages()
	ps[1].Version = "0.1.0"
	var b bytes.Buffer
	require.NoError(t, rpmspec.Spec(&b, ps))
	require.Contains(t, b.String(), "%package -n qm-edge\nVersion:        0.1.0\nSummary:")
	hook := ps[1]
	hook.Arch = "x86_64"
	b.Reset()
	require.NoError(t, rpmspec.Spec(&b, []*rpmspec.Package{hook}))
	require.NotContains(t, b.String(), "BuildArch:")
	require.Contains(t, b.String(), "Name:           qm-edge\nVersion:        0.1.0\n")
}

// TestSpecTextVersusBase64 checks which bodies go through a plain heredoc:
// only text that comes back unchanged from rpm's parser and the shell.
func TestSpecTextVersusBase64(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, rpmspec.Spec(&b, rpmtest.EdgePackages()))
	spec := b.String()
	for path, plain := range map[string]bool{
		"/etc/qm/edge.conf":                true,
		"/usr/share/qm/edge/percent.txt":   true, // '%' doubled, not at a line start
		"/usr/share/qm/edge/section.txt":   false,
		"/usr/share/qm/edge/indented.txt":  false,
		"/usr/share/qm/edge/heredoc.txt":   false,
		"/usr/share/qm/edge/nonewline.txt": false,
		"/usr/share/qm/edge/crlf.txt":      false,
		"/usr/share/qm/edge/blob.bin":      false,
	} {
		cmd := "cat > '%{buildroot}" + path + "'"
		if !plain {
			cmd = "base64 -d > '%{buildroot}" + path + "'"
		}
		require.Contains(t, spec, cmd+" <<'QM_BUILD_EOF'\n", path)
	}
	require.Contains(t, spec, "\na 50%% share of %%{macros} and %%%%\nQM_BUILD_EOF\n")
	require.True(t, strings.Contains(spec, ": > '%{buildroot}/usr/share/qm/edge/empty'"))
	require.Contains(t, spec, "chmod 4755 '%{buildroot}/usr/libexec/qm/edge-hello'")
}
