package manifest

import (
	"fmt"
	"strings"

	"github.com/osbuild/images/pkg/arch"
	imanifest "github.com/osbuild/images/pkg/manifest"
	"github.com/osbuild/images/pkg/runner"

	"github.com/qm-build/qm-build/rpmspec"
)

// Distro is one target distribution: how images names it, which osbuild
// runner builds it and the release version dnf resolves it with.
type Distro struct {
	Name       string // as given to --distro
	Family     imanifest.Distro
	Runner     func() runner.Runner
	Releasever string
}

// distros are the supported targets. AutoSD is built from CentOS Stream, so
// it shares the CentOS runners (as AIB does).
var distros = []Distro{
	{Name: "cs9", Family: imanifest.DISTRO_EL9, Runner: func() runner.Runner { return &runner.CentOS{Version: 9} }, Releasever: "9"},
	{Name: "cs10", Family: imanifest.DISTRO_EL10, Runner: func() runner.Runner { return &runner.CentOS{Version: 10} }, Releasever: "10"},
	{Name: "autosd9", Family: imanifest.DISTRO_EL9, Runner: func() runner.Runner { return &runner.CentOS{Version: 9} }, Releasever: "9"},
	{Name: "autosd10", Family: imanifest.DISTRO_EL10, Runner: func() runner.Runner { return &runner.CentOS{Version: 10} }, Releasever: "10"},
	{Name: "fedora-42", Family: imanifest.DISTRO_FEDORA, Runner: func() runner.Runner { return &runner.Fedora{Version: 42} }, Releasever: "42"},
}

// arches are the supported architectures, by the name rpm and --arch use.
var arches = map[string]arch.Arch{
	"x86_64":  arch.ARCH_X86_64,
	"aarch64": arch.ARCH_AARCH64,
}

// DistroNames lists the supported distributions in the order --help gives them.
func DistroNames() []string {
	out := make([]string, len(distros))
	for i, d := range distros {
		out[i] = d.Name
	}
	return out
}

// ArchNames lists the supported architectures.
func ArchNames() []string { return []string{"x86_64", "aarch64"} }

// LookupDistro returns the named distribution; an unknown name is bad input
// that lists the supported ones.
func LookupDistro(name string) (Distro, error) {
	for _, d := range distros {
		if d.Name == name {
			return d, nil
		}
	}
	return Distro{}, &rpmspec.InputError{Field: "--distro", Msg: fmt.Sprintf("unknown distribution %q; supported: %s", name, strings.Join(DistroNames(), ", "))}
}

// lookupArch returns images' architecture for an rpm architecture name.
func lookupArch(name string) (arch.Arch, error) {
	a, ok := arches[name]
	if !ok {
		return 0, &rpmspec.InputError{Field: "--arch", Msg: fmt.Sprintf("unknown architecture %q; supported: %s", name, strings.Join(ArchNames(), ", "))}
	}
	return a, nil
}
