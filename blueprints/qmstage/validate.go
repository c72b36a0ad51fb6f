package qmstage

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
)

// Plan validates the options against the catalog and resolves them into a
// rootfs.Plan, the same way `qm-build rootfs` does: it checks what the stage
// spells differently from the CLI (one drop-in per item, image keys), then
// calls rootfs.NewPlan, whose errors name CLI flags; those are renamed to the
// stage's options ("--memory-max" → "options.memory_max"). It reports every
// problem at once.
func (o Options) Plan(cat *rpmspec.Catalog) (*rootfs.Plan, error) {
	errs, bad := o.checkNames(cat)
	ro := o.RootfsOptions()
	// Leave the names already reported out, so that NewPlan does not report
	// them again under the CLI's flag, and check the rest.
	ro.Dropins = without(ro.Dropins, bad)
	for k := range ro.Images {
		if bad["images."+k] {
			delete(ro.Images, k)
		}
	}
	p, err := rootfs.NewPlan(ro, cat)
	if err != nil {
		errs = append(errs, asErrors(renameFlags(err))...)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return p, nil
}

// asErrors flattens a validation error into its InputErrors.
func asErrors(err error) rpmspec.Errors {
	var es rpmspec.Errors
	if errors.As(err, &es) {
		return es
	}
	var ie *rpmspec.InputError
	if errors.As(err, &ie) {
		return rpmspec.Errors{ie}
	}
	return rpmspec.Errors{{Field: "options", Msg: err.Error()}}
}

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
// and a reference has no space or control character (it lands on an Image=
// line).
func (o Options) checkNames(cat *rpmspec.Catalog) (errs rpmspec.Errors, bad map[string]bool) {
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
	for _, k := range sortedKeys(o.Images) {
		switch {
		case !contains(keys, k):
			bad["images."+k] = true
			errs = append(errs, &rpmspec.InputError{
				Field: "options.images." + k,
				Msg:   fmt.Sprintf("unknown image key %q; known keys: %s", k, strings.Join(keys, ", ")),
			})
		case strings.ContainsFunc(o.Images[k], func(r rune) bool { return r <= ' ' || r == 0x7f }):
			bad["images."+k] = true
			errs = append(errs, &rpmspec.InputError{
				Field: "options.images." + k,
				Msg:   fmt.Sprintf("%q is not an image reference: it contains a space or a control character", o.Images[k]),
			})
		}
	}
	return errs, bad
}

// ImageKeys lists every image key the catalog's drop-ins declare, sorted.
func ImageKeys(cat *rpmspec.Catalog) []string {
	seen := map[string]bool{}
	var out []string
	for _, d := range cat.All() {
		for k := range d.Images {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}

// BuiltinOnly reports an error naming every drop-in of p that is not in the
// built-in catalog (one added with --dropin-dir): the stage cannot build it.
func BuiltinOnly(p *rootfs.Plan) error {
	builtin, err := rpmspec.Builtin()
	if err != nil {
		return err
	}
	var errs rpmspec.Errors
	for _, d := range p.Dropins {
		if _, ok := builtin.Get(d.Name); !ok {
			errs = append(errs, &rpmspec.InputError{File: d.Source, Line: d.Line, Field: "--dropin-dir",
				Msg: fmt.Sprintf("drop-in %q is not built in; the org.osbuild.qm stage knows only built-in drop-ins", d.Name)})
		}
	}
	return errs.Err()
}

// renameFlags rewrites every InputError in err to name the stage's options
// instead of the CLI flags they mirror, in its Field and in its message.
func renameFlags(err error) error {
	var es rpmspec.Errors
	var ie *rpmspec.InputError
	switch {
	case errors.As(err, &es):
		for _, e := range es {
			renameField(e)
		}
	case errors.As(err, &ie):
		renameField(ie)
	}
	return err
}

func renameField(e *rpmspec.InputError) {
	if name, ok := OptionForFlag(e.Field); ok {
		e.Field = "options." + name
	}
	e.Msg = flagRE.ReplaceAllStringFunc(e.Msg, func(flag string) string {
		if name, ok := OptionForFlag(flag); ok {
			return "options." + name
		}
		return flag
	})
}

// flagRE matches a long flag in a message ("needs --controller-host").
var flagRE = regexp.MustCompile(`--[a-z][a-z-]*[a-z]`)

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
