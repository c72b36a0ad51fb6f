package rpmspec_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec"
)

// TestCatalogTracksUpstream: every drop-in package upstream QM ships today
// (containers/qm main, rpm/*/*.spec) is in the catalog under upstream's
// package name, independently versioned ones with their own version; the
// drop-ins upstream removed are legacy, each saying why.
func TestCatalogTracksUpstream(t *testing.T) {
	cat, err := rpmspec.Builtin()
	require.NoError(t, err)
	current := []struct{ name, pkg, version string }{
		{"kvm", "qm-kvm", ""},
		{"oci-hooks", "qm-oci-hooks", "0.1.0"},
		{"ros2", "qm-ros2", ""},
		{"sound", "qm-sound", ""},
		{"text2speech", "qm-text2speech", ""},
		{"video", "qm-mount-bind-video", ""},
		{"wayland", "qm-wayland", "0.1.0"},
	}
	legacy := []string{"dvb", "img-tempdir", "input", "radio", "tty7", "ttyUSB0", "windowmanager"}
	var gotCurrent, gotLegacy []string
	for _, d := range cat.All() {
		if d.IsLegacy() {
			gotLegacy = append(gotLegacy, d.Name)
			require.NotEmpty(t, d.Note, "%s: a legacy drop-in says what replaced it", d.Name)
			continue
		}
		require.Equal(t, rpmspec.StatusCurrent, d.Status, d.Name)
		gotCurrent = append(gotCurrent, d.Name)
	}
	require.Equal(t, legacy, gotLegacy)
	var want []string
	for _, c := range current {
		want = append(want, c.name)
		d, ok := cat.Get(c.name)
		require.True(t, ok, c.name)
		require.Equal(t, c.pkg, d.PackageName(), c.name)
		require.Equal(t, c.version, d.Version, c.name)
	}
	require.Equal(t, want, gotCurrent)
	hooks := 0
	for _, d := range cat.All() {
		if d.HookProgram {
			hooks++
			require.Equal(t, "qm-oci-hooks", d.PackageName())
		}
	}
	require.Equal(t, 1, hooks, "one package ships the hook program")
}

// TestCatalogLegacyNames: legacy names are names of no package of the
// catalog and not qm's, so that a Provides never claims another package.
func TestCatalogLegacyNames(t *testing.T) {
	cat, err := rpmspec.Builtin()
	require.NoError(t, err)
	pkgs := map[string]string{"qm": "qm"}
	for _, d := range cat.All() {
		pkgs[d.PackageName()] = d.Name
	}
	seen := map[string]string{}
	for _, d := range cat.All() {
		for _, l := range d.Legacy {
			require.NotContains(t, pkgs, l, "%s: legacy name %s is a package's name", d.Name, l)
			prev, dup := seen[l]
			require.False(t, dup, "%s and %s both claim the legacy name %s", prev, d.Name, l)
			seen[l] = d.Name
		}
	}
	t.Run("refused in user drop-ins", func(t *testing.T) {
		bad := &rpmspec.Dropin{Name: "mine", Summary: "s", Description: "d", Legacy: []string{"qm-kvm"}, Source: "mine.yaml", Line: 1}
		self := &rpmspec.Dropin{Name: "self", Summary: "s", Description: "d", Legacy: []string{"qm-self", "qm"}, Source: "self.yaml", Line: 1}
		_, err := rpmspec.NewCatalog(append(cat.All(), bad, self)...)
		requireBadInput(t, err,
			`mine.yaml:1: legacy: "qm-kvm" is the name of drop-in kvm's package; a legacy name is an old name of this package only`,
			`self.yaml:1: legacy: "qm-self" is this drop-in's own name; a legacy name is an old name its package replaces`,
			`self.yaml:1: legacy: "qm" is the name of the qm package; a legacy name is an old name of this package only`,
		)
	})
	t.Run("own short name, and another drop-in's legacy name", func(t *testing.T) {
		own := &rpmspec.Dropin{Name: "own", Summary: "s", Description: "d", Legacy: []string{"own"}, Source: "own.yaml", Line: 1}
		taken := &rpmspec.Dropin{Name: "taken", Summary: "s", Description: "d", Legacy: []string{"qm-mount-bind-kvm"}, Source: "taken.yaml", Line: 1}
		_, err := rpmspec.NewCatalog(append(cat.All(), own, taken)...)
		requireBadInput(t, err,
			`own.yaml:1: legacy: "own" is this drop-in's own name; a legacy name is an old name its package replaces`,
			`taken.yaml:1: legacy: "qm-mount-bind-kvm" is a legacy name of drop-in kvm too; two packages cannot both replace it`,
		)
	})
}

// TestCatalogNeedsCycles: drop-ins whose needs lead back to themselves are
// refused, each naming the cycle; a chain without a cycle is not.
func TestCatalogNeedsCycles(t *testing.T) {
	dropin := func(name string, needs ...string) *rpmspec.Dropin {
		return &rpmspec.Dropin{Name: name, Summary: "s", Description: "d", Needs: needs, Source: name + ".yaml", Line: 1}
	}
	for _, tc := range []struct {
		name string
		ds   []*rpmspec.Dropin
		want []string
	}{
		{"self", []*rpmspec.Dropin{dropin("a", "a")}, []string{`a.yaml:1: needs: drop-ins need each other in a cycle: a -> a`}},
		{"two", []*rpmspec.Dropin{dropin("a", "b"), dropin("b", "a")}, []string{
			`a.yaml:1: needs: drop-ins need each other in a cycle: a -> b -> a`,
			`b.yaml:1: needs: drop-ins need each other in a cycle: b -> a -> b`}},
		{"three, with a tail", []*rpmspec.Dropin{dropin("t", "a"), dropin("a", "b"), dropin("b", "c"), dropin("c", "a")}, []string{
			`a.yaml:1: needs: drop-ins need each other in a cycle: a -> b -> c -> a`,
			`b.yaml:1: needs: drop-ins need each other in a cycle: b -> c -> a -> b`,
			`c.yaml:1: needs: drop-ins need each other in a cycle: c -> a -> b -> c`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := rpmspec.NewCatalog(tc.ds...)
			requireBadInput(t, err, tc.want...)
		})
	}
	_, err := rpmspec.NewCatalog(dropin("a", "b"), dropin("b", "c"), dropin("c"))
	require.NoError(t, err, "a chain is not a cycle")
}
