package qmstage

import (
	"maps"
	"slices"

	"github.com/qm-build/qm-build/rootfs"
)

// The stage's options are rootfs.Options: DecodeOptions fills them from the
// arguments file, with the JSON names their tags spell (the schema's
// property names). The stage takes every option but arch, distro and
// allow_short_names. Arch and distro change nothing in the tree (every QM
// package is noarch), so the stage leaves them at rootfs.NewPlan's defaults;
// the stage, run unattended in an image build, takes fully qualified images
// only. The epoch is not an option either: it comes from the arguments'
// meta.source-epoch.

// OptionsFromPlan is the contract with the manifest emitter (`qm-build
// manifest --qm-stage`): the stage options that make org.osbuild.qm write
// what `qm-build rootfs` writes for p. Version and release are always set (a
// manifest should not depend on the stage's defaults); the drop-ins are the
// plan's resolved drop-ins but the hook package (stageDropins), by name,
// sorted. The result marshals with encoding/json and validates against
// MetaJSON's schema as long as p uses built-in drop-ins only and fully
// qualified images: drop-ins from --dropin-dir are not known to the stage,
// and the stage takes no allow_short_names; the caller should refuse both
// (see BuiltinOnly).
func OptionsFromPlan(p *rootfs.Plan) rootfs.Options {
	o := p.Options
	o.Arch, o.Distro, o.Epoch, o.AllowShortNames, o.NestedImages = "", "", rootfs.Options{}.Epoch, false, nil
	o.Dropins = stageDropins(p)
	if len(o.Dropins) == 0 {
		o.Dropins = nil
	}
	slices.Sort(o.Dropins)
	o.Images = maps.Clone(p.Images)
	o.Volumes = slices.Clone(p.Volumes)
	o.Devices = slices.Clone(p.Devices)
	if o.Controller.Socket {
		o.Controller = rootfs.Controller{Socket: true}
	}
	return o
}

// stageDropins are the plan's drop-ins the stage can build: all but the
// hook package, whose program the stage is not given (it leaves
// qm-oci-hooks to the image's repositories).
func stageDropins(p *rootfs.Plan) []string {
	out := []string{}
	for _, d := range p.Selected {
		if !d.HookProgram {
			out = append(out, d.Name)
		}
	}
	return out
}
