package blueprints

import (
	"fmt"

	"github.com/osbuild/blueprint/pkg/blueprint"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
)

// Target is a target distribution and architecture as the command line
// gives them: the values, and whether each flag was given at all.
type Target struct {
	Distro, Arch           string
	DistroGiven, ArchGiven bool
}

// ApplyBlueprintTarget reconciles a base blueprint's own distro and
// architecture (file is its name, for messages) with the flags, by one
// rule: a field the blueprint sets is checked against the one table of
// targets (rootfs.Targets, image-builder's names being aliases) and is the
// target when the flag is not given; a flag that is given must name the
// same target, or both are refused (bad input naming the file, the field
// and the flag). It returns the target to build.
func ApplyBlueprintTarget(bp *blueprint.Blueprint, file string, t Target) (distro, arch string, err error) {
	distro, arch = t.Distro, t.Arch
	var errs rpmspec.Errors
	if bp.Distro != "" {
		want, err := rootfs.CanonicalDistro(bp.Distro)
		switch {
		case err != nil:
			errs = append(errs, &rpmspec.InputError{File: file, Field: "distro", Msg: err.Error()})
		case !t.DistroGiven:
			distro = want
		default:
			if got, err := rootfs.CanonicalDistro(t.Distro); err == nil && got != want {
				errs = append(errs, &rpmspec.InputError{File: file, Field: "distro",
					Msg: fmt.Sprintf("the blueprint builds %q (%s) but --distro is %s; drop --distro (the blueprint's wins when it is not given) or make them agree", bp.Distro, want, got)})
			}
		}
	}
	if bp.Arch != "" {
		switch {
		case rootfs.CheckArch(bp.Arch) != nil:
			errs = append(errs, &rpmspec.InputError{File: file, Field: "architecture", Msg: rootfs.CheckArch(bp.Arch).Error()})
		case !t.ArchGiven:
			arch = bp.Arch
		case t.Arch != bp.Arch:
			errs = append(errs, &rpmspec.InputError{File: file, Field: "architecture",
				Msg: fmt.Sprintf("the blueprint builds %s but --arch is %s; drop --arch (the blueprint's wins when it is not given) or make them agree", bp.Arch, t.Arch)})
		}
	}
	return distro, arch, errs.Err()
}
