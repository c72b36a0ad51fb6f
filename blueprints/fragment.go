package blueprints

import (
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/osbuild/blueprint/pkg/blueprint"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
)

// Fragment is a blueprint that adds QM to an image, and what of QM's content
// it cannot carry.
type Fragment struct {
	Blueprint blueprint.Blueprint
	// Omitted are the tree paths a blueprint cannot express, by reason.
	// QM's rootfs and /var/qm come from the RPMs or the manifest.
	Omitted []Omission
}

// Omission is one tree path a fragment leaves out, and why.
type Omission struct {
	Path, Why string
}

// Reasons a fragment leaves a path out.
const (
	whyOutside = "outside /etc (QM's rootfs, /var/qm and /usr come from the RPMs or the manifest)"
	whyLink    = "symlinks (a blueprint cannot make links)"
	whyMerge   = "lines added to existing files (a blueprint replaces whole files)"
)

// wantsLink is a host symlink that enables a unit, the way `systemctl enable`
// does (systemd.unit(5), "[Install] Section Options", WantedBy=).
var wantsLink = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^/etc/systemd/system/[^/]+\.(wants|requires)/([^/]+)$`)
})

// NewFragment makes the blueprint fragment for a plan's content: the qm and
// qm-<dropin> packages at the plan's version, the units QM's host side
// enables, and QM's host files and directories under /etc (qm.container.d
// options, /etc/qm content). Directories carry no mode so that images'
// mkdir leaves those a package already made alone. The fragment passes
// images' customization policies and FragmentPolicy.
func NewFragment(c *rootfs.Content, name string) (*Fragment, error) {
	if name == "" {
		name = "qm"
	}
	f := &Fragment{Blueprint: blueprint.Blueprint{Name: name, Description: fragmentDescription(c)}}
	bp := &f.Blueprint
	for _, p := range c.Packages {
		bp.Packages = append(bp.Packages, blueprint.Package{Name: p.Name, Version: p.EVR()})
	}
	cust := &blueprint.Customizations{}
	dirs := map[string]bool{}
	for _, tf := range c.Tree {
		p := tf.Path
		switch {
		case !FragmentPolicy().Allows(p):
			f.Omitted = append(f.Omitted, Omission{p, whyOutside})
		case tf.Kind == rpmspec.KindSymlink && wantsLink().MatchString(p):
			addService(cust, wantsLink().FindStringSubmatch(p)[2])
		case tf.Kind == rpmspec.KindSymlink:
			f.Omitted = append(f.Omitted, Omission{p, whyLink})
		case tf.Merge:
			f.Omitted = append(f.Omitted, Omission{p, whyMerge})
		case tf.Flags&rpmspec.FlagGhost != 0:
		case tf.Kind == rpmspec.KindDir:
			dirs[p] = true
		default:
			cust.Files = append(cust.Files, fileCustomization(tf))
			if d := path.Dir(p); d != "/etc" {
				dirs[d] = true
			}
		}
	}
	for _, d := range slices.Sorted(maps.Keys(dirs)) {
		if hasFileAt(cust.Files, d) {
			return nil, fmt.Errorf("fragment: %s is both a file and a directory", d)
		}
		cust.Directories = append(cust.Directories, blueprint.DirectoryCustomization{Path: d, EnsureParents: true})
	}
	if cust.Services != nil || len(cust.Files) > 0 || len(cust.Directories) > 0 {
		bp.Customizations = cust
	}
	if err := ValidateFragment(bp, "fragment "+name); err != nil {
		return nil, err
	}
	return f, nil
}

func fragmentDescription(c *rootfs.Content) string {
	d := "QM: qm " + c.Plan.Version + "-" + c.Plan.Release
	if names := c.Plan.DropinNames(); len(names) > 0 {
		d += " with drop-ins " + strings.Join(names, ", ")
	}
	return d + " (qm-build)"
}

func fileCustomization(tf rootfs.TreeFile) blueprint.FileCustomization {
	fc := blueprint.FileCustomization{Path: tf.Path, Mode: tf.OctalMode(), Data: string(tf.Body)}
	if tf.OwnerName() != "root" {
		fc.User = tf.OwnerName()
	}
	if tf.GroupName() != "root" {
		fc.Group = tf.GroupName()
	}
	return fc
}

func addService(c *blueprint.Customizations, unit string) {
	if c.Services == nil {
		c.Services = &blueprint.ServicesCustomization{}
	}
	for _, s := range c.Services.Enabled {
		if s == unit {
			return
		}
	}
	c.Services.Enabled = append(c.Services.Enabled, unit)
}

func hasFileAt(files []blueprint.FileCustomization, p string) bool {
	for _, f := range files {
		if f.Path == p {
			return true
		}
	}
	return false
}

// fragmentKeys are what a fragment may carry besides packages.
var fragmentKeys = "packages, modules, groups, customizations.services, customizations.files, customizations.directories"

// ValidateFragment checks a blueprint as a fragment to merge into a user's:
// it decodes with the blueprint library, carries only packages, services,
// files and directories, and its paths pass images' policies and
// FragmentPolicy (/etc only). Each problem names its policy; all are
// reported.
func ValidateFragment(bp *blueprint.Blueprint, name string) error {
	var errs rpmspec.Errors
	check := bp.DeepCopy()
	if err := check.Initialize(); err != nil {
		errs = append(errs, &rpmspec.InputError{File: name, Msg: err.Error()})
	}
	if len(bp.Containers) > 0 || len(bp.EnabledModules) > 0 || bp.Distro != "" {
		errs = append(errs, &rpmspec.InputError{File: name, Msg: "a fragment may only carry " + fragmentKeys})
	}
	if c := bp.Customizations; c != nil {
		rest := *c
		rest.Services, rest.Files, rest.Directories = nil, nil, nil
		for _, k := range UnsupportedCustomizations(&rest) {
			errs = append(errs, &rpmspec.InputError{File: name, Field: "customizations." + k, Msg: "a fragment may only carry " + fragmentKeys})
		}
		for _, k := range []string{"hostname", "locale", "timezone", "user", "group"} {
			if present(&rest, k) {
				errs = append(errs, &rpmspec.InputError{File: name, Field: "customizations." + k, Msg: "a fragment may only carry " + fragmentKeys})
			}
		}
		if err := CheckPolicies(c, name, true); err != nil {
			errs = append(errs, rpmspec.AsErrors(err)...)
		}
	}
	return errs.Err()
}

// present reports whether one of the customizations unsupportedCustomizations
// leaves out is set.
func present(c *blueprint.Customizations, key string) bool {
	switch key {
	case "hostname":
		return c.Hostname != nil
	case "locale":
		return c.Locale != nil
	case "timezone":
		return c.Timezone != nil
	case "user":
		return len(c.User) > 0
	case "group":
		return len(c.Group) > 0
	}
	return false
}

// Header is the comment block a fragment is written with: what it is, how
// to merge it, and what of QM it leaves to the RPMs or the manifest.
func (f *Fragment) Header(producer string) []string {
	h := []string{
		"QM blueprint fragment written by " + producer + ": " + f.Blueprint.Description + ".",
		"Merge it into an image blueprint: qm-build blueprint merge base.toml THIS.toml",
		"QM's rootfs (/usr/lib/qm/rootfs) and /var/qm are not in it: blueprint policies",
		"deny /usr and a blueprint cannot install packages into a second root, so they",
		"come from the qm RPMs or the qm_rootfs pipeline of `qm-build manifest`.",
	}
	for _, why := range []string{whyOutside, whyMerge, whyLink} {
		var paths []string
		for _, o := range f.Omitted {
			if o.Why == why {
				paths = append(paths, o.Path)
			}
		}
		if len(paths) == 0 {
			continue
		}
		h = append(h, fmt.Sprintf("Left out, %s:", why))
		line := " "
		for _, p := range paths {
			if len(line)+1+len(p) > 76 && line != " " {
				h = append(h, line)
				line = " "
			}
			line += " " + p
		}
		h = append(h, line)
	}
	return h
}
