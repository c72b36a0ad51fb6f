package manifest

import (
	"fmt"

	"github.com/osbuild/images/pkg/arch"
	imanifest "github.com/osbuild/images/pkg/manifest"
	"github.com/osbuild/images/pkg/runner"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
)

// Distro is one target distribution: how images names it, which osbuild
// runner builds it and the release version dnf resolves it with.
type Distro struct {
	Name       string // qm-build's name (rootfs.Targets)
	Family     imanifest.Distro
	Runner     func() runner.Runner
	Releasever string
}

// builds says how images builds each of rootfs.Targets (a test checks the
// two tables have the same names). AutoSD is built from CentOS Stream, so it
// shares the CentOS runners (as AIB does).
var builds = map[string]Distro{
	"cs9":       {Family: imanifest.DISTRO_EL9, Runner: func() runner.Runner { return &runner.CentOS{Version: 9} }},
	"cs10":      {Family: imanifest.DISTRO_EL10, Runner: func() runner.Runner { return &runner.CentOS{Version: 10} }},
	"autosd9":   {Family: imanifest.DISTRO_EL9, Runner: func() runner.Runner { return &runner.CentOS{Version: 9} }},
	"autosd10":  {Family: imanifest.DISTRO_EL10, Runner: func() runner.Runner { return &runner.CentOS{Version: 10} }},
	"fedora-42": {Family: imanifest.DISTRO_FEDORA, Runner: func() runner.Runner { return &runner.Fedora{Version: 42} }},
}

// arches are the supported architectures (rootfs.Arches), by the name rpm
// and --arch use.
var arches = map[string]arch.Arch{
	"x86_64":  arch.ARCH_X86_64,
	"aarch64": arch.ARCH_AARCH64,
}

// DistroNames lists the supported distributions in the order --help gives them.
func DistroNames() []string {
	out := make([]string, len(rootfs.Targets))
	for i, d := range rootfs.Targets {
		out[i] = d.Name
	}
	return out
}

// ArchNames lists the supported architectures.
func ArchNames() []string { return rootfs.Arches }

// LookupDistro returns the named distribution (by qm-build's name or an
// image-builder alias, rootfs.CanonicalDistro); an unknown name is bad input
// that lists the supported ones.
func LookupDistro(name string) (Distro, error) {
	canon, err := rootfs.CanonicalDistro(name)
	if err != nil {
		return Distro{}, &rpmspec.InputError{Field: "--distro", Msg: err.Error()}
	}
	for _, t := range rootfs.Targets {
		if t.Name == canon {
			d := builds[canon]
			d.Name, d.Releasever = canon, t.Releasever
			return d, nil
		}
	}
	return Distro{}, fmt.Errorf("distribution %s has no build", canon)
}

// lookupArch returns images' architecture for an rpm architecture name.
func lookupArch(name string) (arch.Arch, error) {
	if err := rootfs.CheckArch(name); err != nil {
		return 0, &rpmspec.InputError{Field: "--arch", Msg: err.Error()}
	}
	a, ok := arches[name]
	if !ok {
		return 0, fmt.Errorf("architecture %s has no build", name)
	}
	return a, nil
}
