package rootfs

import (
	"strings"

	"github.com/qm-build/qm-build/rpmspec"
)

// Plan is Options with the drop-ins resolved against a catalog.
type Plan struct {
	Options
	Catalog *rpmspec.Catalog
	// Selected are the drop-ins Options.Dropins names plus those they need,
	// sorted by name.
	Selected []*rpmspec.Dropin
	// Nested are the nested images baked into QM's store
	// (Options.NestedImages), resolved, sorted by key; their keys' images
	// are pinned to their digests in Options.Images.
	Nested []NestedImage
	// archGiven is set when the options named the architecture, so that a
	// program built for another one is refused.
	archGiven bool
}

// NewPlan applies defaults, validates the options and resolves the drop-ins.
// User drop-in directories must already be added to cat (Catalog.AddDir);
// their drop-ins are selected by adding their names to o.Dropins. It returns
// every problem at once, each an rpmspec.InputError naming its option by its
// neutral name (OptionFields); front ends spell it their way (Spell).
func NewPlan(o Options, cat *rpmspec.Catalog) (*Plan, error) {
	if o.Version == "" {
		o.Version = rpmspec.DefaultVersion
	}
	if o.Release == "" {
		o.Release = rpmspec.DefaultRelease
	}
	archGiven := o.Arch != ""
	if o.Arch == "" {
		o.Arch = DefaultArch
	}
	if o.Distro == "" {
		o.Distro = DefaultDistro
	}
	// The text rule first: a value with a line break is refused as such,
	// before any check that would quote it.
	if errs := checkText(o); len(errs) > 0 {
		return nil, errs.Err()
	}
	var errs rpmspec.Errors
	for _, v := range []struct{ field, v string }{{FieldVersion, o.Version}, {FieldRelease, o.Release}} {
		if err := rpmspec.ValidateVersion(v.field, v.v); err != nil {
			errs = append(errs, rpmspec.AsErrors(err)...)
		}
	}
	errs = append(errs, validateOptions(&o)...)
	errs = append(errs, validateImages(o, cat)...)
	ds, err := cat.Select(o.Dropins)
	if err != nil {
		errs = append(errs, rpmspec.AsErrors(err)...)
	}
	nested, nerrs := resolveNestedImages(&o, cat, ds)
	errs = append(errs, nerrs...)
	errs = append(errs, validateAnnotations(ds)...)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return &Plan{Options: o, Catalog: cat, Selected: ds, Nested: nested, archGiven: archGiven}, nil
}

// Named reports whether the options name the drop-in itself, not only
// through "all" or the needs of another.
func (p *Plan) Named(name string) bool {
	for _, arg := range p.Options.Dropins {
		for _, n := range strings.Split(arg, ",") {
			if strings.TrimSpace(n) == name {
				return true
			}
		}
	}
	return false
}

// DropinNames lists the plan's drop-ins by short name.
func (p *Plan) DropinNames() []string {
	out := make([]string, len(p.Selected))
	for i, d := range p.Selected {
		out[i] = d.Name
	}
	return out
}
