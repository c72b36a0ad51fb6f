package blueprints

import (
	"testing"

	"github.com/osbuild/blueprint/pkg/blueprint"
	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec"
)

// TestApplyBlueprintTarget: a blueprint's distro and architecture against
// the flags, by the one rule.
func TestApplyBlueprintTarget(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		bpDistro, bpArch     string
		t                    Target
		wantDistro, wantArch string
		wantErr              string
	}{
		{"nothing in the blueprint: the flags", "", "", Target{Distro: "cs10", Arch: "x86_64"}, "cs10", "x86_64", ""},
		{"the blueprint's when no flag", "centos-9", "aarch64", Target{Distro: "cs10", Arch: "x86_64"}, "cs9", "aarch64", ""},
		{"a flag that agrees, by alias", "centos-9", "aarch64", Target{Distro: "cs9", Arch: "aarch64", DistroGiven: true, ArchGiven: true}, "cs9", "aarch64", ""},
		{"a conflicting --distro", "centos-9", "", Target{Distro: "cs10", DistroGiven: true, Arch: "x86_64"}, "", "",
			`base.toml: distro: the blueprint builds "centos-9" (cs9) but --distro is cs10; drop --distro (the blueprint's wins when it is not given) or make them agree`},
		{"a conflicting --arch", "", "aarch64", Target{Distro: "cs10", Arch: "x86_64", ArchGiven: true}, "", "",
			`base.toml: architecture: the blueprint builds aarch64 but --arch is x86_64; drop --arch (the blueprint's wins when it is not given) or make them agree`},
		{"an unknown distro in the blueprint", "rhel9", "", Target{Distro: "cs10", Arch: "x86_64"}, "", "",
			`base.toml: distro: unknown distribution "rhel9"; supported: cs9 (centos-9), cs10 (centos-10), autosd9, autosd10, fedora-42`},
		{"an unknown architecture in the blueprint", "", "ppc64le", Target{Distro: "cs10", Arch: "x86_64"}, "", "",
			`base.toml: architecture: unknown architecture "ppc64le"; supported: x86_64, aarch64`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bp := &blueprint.Blueprint{Name: "b", Distro: tc.bpDistro, Arch: tc.bpArch}
			d, a, err := ApplyBlueprintTarget(bp, "base.toml", tc.t)
			if tc.wantErr != "" {
				require.EqualError(t, err, tc.wantErr)
				require.True(t, rpmspec.IsBadInput(err))
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.wantDistro, d)
			require.Equal(t, tc.wantArch, a)
		})
	}
}
