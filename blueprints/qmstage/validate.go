package qmstage

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
)

// Plan validates the stage's options against the catalog and resolves them
// into a rootfs.Plan, the same way `qm-build rootfs` does: it checks what
// the stage takes differently from the CLI (one drop-in per item, image
// keys), then calls rootfs.NewPlan, whose errors name options by their
// neutral names; the stage spells them "options.NAME". It reports every
// problem at once.
func Plan(o rootfs.Options, cat *rpmspec.Catalog) (*rootfs.Plan, error) {
	errs, bad := checkNames(o, cat)
	// Leave the names already reported out, so that NewPlan does not report
	// them again, and check the rest.
	o.Dropins = without(o.Dropins, bad)
	o.Images = maps.Clone(o.Images)
	maps.DeleteFunc(o.Images, func(k, _ string) bool { return bad["images."+k] })
	p, err := rootfs.NewPlan(o, cat)
	if err != nil {
		errs = append(errs, rpmspec.AsErrors(rootfs.Spell(err, stageSpelling))...)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return p, nil
}

// stageSpelling is how the stage names an option in errors.
func stageSpelling(field string) string { return "options." + field }

func without(list []string, bad map[string]bool) []string {
	var out []string
	for _, x := range list {
		if !bad["dropins."+x] {
			out = append(out, x)
		}
	}
	return out
}

// checkNames checks the drop-in names and images. The CLI splits comma
// lists and knows user drop-ins; the stage takes one built-in name per item
// (or "all"), as the schema's enum does. Image keys must be the catalog's,
// and a reference must be fully qualified (rpmspec.CheckImageRef): the
// stage, run unattended in an image build, has no allow_short_names.
func checkNames(o rootfs.Options, cat *rpmspec.Catalog) (errs rpmspec.Errors, bad map[string]bool) {
	bad = map[string]bool{}
	known := map[string]bool{"all": true}
	for _, n := range cat.Names() {
		known[n] = true
	}
	for i, d := range o.Dropins {
		if !known[d] {
			bad["dropins."+d] = true
			errs = append(errs, &rpmspec.InputError{
				Field: fmt.Sprintf("options.dropins[%d]", i),
				Msg:   fmt.Sprintf("unknown drop-in %q; known drop-ins: %s, all", d, strings.Join(cat.Names(), ", ")),
			})
		}
	}
	keys := ImageKeys(cat)
	for _, k := range slices.Sorted(maps.Keys(o.Images)) {
		switch {
		case !slices.Contains(keys, k):
			bad["images."+k] = true
			errs = append(errs, &rpmspec.InputError{
				Field: "options.images." + k,
				Msg:   fmt.Sprintf("unknown image key %q; known keys: %s", k, strings.Join(keys, ", ")),
			})
		default:
			if err := rpmspec.CheckImageRef(o.Images[k], false); err != nil {
				bad["images."+k] = true
				errs = append(errs, &rpmspec.InputError{Field: "options.images." + k, Msg: err.Error()})
			}
		}
	}
	return errs, bad
}

// ImageKeys lists every image key the catalog's drop-ins declare, sorted
// (rootfs.ImageKeys).
func ImageKeys(cat *rpmspec.Catalog) []string { return rootfs.ImageKeys(cat) }

// BuiltinOnly reports an error naming every drop-in of p that is not in the
// built-in catalog (one added with --dropin-dir): the stage cannot build it;
// and every image override that is a short name (let through by
// --allow-short-names, which the stage does not take).
func BuiltinOnly(p *rootfs.Plan) error {
	builtin, err := rpmspec.Builtin()
	if err != nil {
		return err
	}
	var errs rpmspec.Errors
	for _, d := range p.Selected {
		if _, ok := builtin.Get(d.Name); !ok {
			errs = append(errs, &rpmspec.InputError{File: d.Source, Line: d.Line, Field: "--dropin-dir",
				Msg: fmt.Sprintf("drop-in %q is not built in; the org.osbuild.qm stage knows only built-in drop-ins", d.Name)})
		}
	}
	for _, k := range slices.Sorted(maps.Keys(p.Images)) {
		if rpmspec.IsShortImageName(p.Images[k]) {
			errs = append(errs, &rpmspec.InputError{Field: "--image " + k,
				Msg: fmt.Sprintf("%q is a short name; the org.osbuild.qm stage takes fully qualified images only", p.Images[k])})
		}
	}
	return errs.Err()
}
