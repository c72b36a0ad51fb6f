package rootfs

import (
	"fmt"
	"sort"
	"strings"

	"github.com/qm-build/qm-build/rootfs/ocihooks"
	"github.com/qm-build/qm-build/rpmspec"
)

// validateImages checks the --image overrides: each key is one a drop-in of
// the catalog declares, and each reference is one word and fully qualified
// (rpmspec.CheckImageRef), unless short names are allowed.
func validateImages(o Options, cat *rpmspec.Catalog) rpmspec.Errors {
	var errs rpmspec.Errors
	keys := ImageKeys(cat)
	given := make([]string, 0, len(o.Images))
	for k := range o.Images {
		given = append(given, k)
	}
	sort.Strings(given)
	for _, k := range given {
		if !contains(keys, k) {
			errs = append(errs, &rpmspec.InputError{Field: "--image", Msg: fmt.Sprintf("unknown image key %q; known keys: %s", k, strings.Join(keys, ", "))})
			continue
		}
		if err := rpmspec.CheckImageRef(o.Images[k], o.AllowShortNames); err != nil {
			msg := err.Error()
			if ie, ok := err.(*rpmspec.ImageRefError); ok && ie.Short {
				msg += " (--allow-short-names)"
			}
			errs = append(errs, &rpmspec.InputError{Field: "--image", Msg: k + "=" + msg})
		}
	}
	return errs
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

// validateAnnotations checks that each annotation a selected drop-in sets is
// one QM's OCI hooks know, with a value that grants devices: an annotation
// nothing acts on would look like a grant and give nothing.
func validateAnnotations(ds []*rpmspec.Dropin) rpmspec.Errors {
	var errs rpmspec.Errors
	for _, d := range ds {
		for _, a := range d.Annotations {
			g, ok := ocihooks.Lookup(a.Key)
			switch {
			case !ok:
				var known []string
				for _, g := range ocihooks.Annotations() {
					known = append(known, g.Key)
				}
				errs = append(errs, &rpmspec.InputError{File: d.Source, Line: a.Line, Field: "annotations." + a.Key,
					Msg: fmt.Sprintf("not an annotation QM's OCI hooks act on; known: %s", strings.Join(known, ", "))})
			case !g.Grants(a.Value):
				errs = append(errs, &rpmspec.InputError{File: d.Source, Line: a.Line, Field: "annotations." + a.Key,
					Msg: fmt.Sprintf("value %q grants nothing; QM's hooks act on %q", a.Value, g.Value)})
			}
		}
	}
	return errs
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
