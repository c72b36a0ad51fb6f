package manifest

import (
	"fmt"
	"strings"

	"github.com/qm-build/qm-build/blueprints"

	"github.com/osbuild/blueprint/pkg/blueprint"
	"github.com/osbuild/images/pkg/customizations/users"
	imanifest "github.com/osbuild/images/pkg/manifest"

	"github.com/qm-build/qm-build/rpmspec"
)

// baseWants maps the user's base blueprint onto images' OS customizations and
// returns the packages it asks for. What a manifest cannot carry (containers
// need a registry resolver, enabled modules a modular repository, and so on)
// is an error naming it: nothing the user asked for is dropped silently.
func applyBase(osp *imanifest.OS, bp *blueprint.Blueprint, name string) ([]blueprints.Want, error) {
	if bp == nil {
		return nil, nil
	}
	var errs rpmspec.Errors
	bad := func(field, format string, args ...any) {
		errs = append(errs, &rpmspec.InputError{File: name, Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	if len(bp.Containers) > 0 {
		bad("containers", "embedding containers is not supported by qm-build manifest (use a nested quadlet from a drop-in)")
	}
	if len(bp.EnabledModules) > 0 {
		bad("enabled_modules", "module streams are not supported by qm-build manifest")
	}
	var wants []blueprints.Want
	for _, p := range append(append([]blueprint.Package(nil), bp.Packages...), bp.Modules...) {
		wants = addWants(wants, blueprints.Want{Name: p.Name, Version: p.Version})
	}
	for _, g := range bp.Groups {
		wants = addWants(wants, blueprints.Want{Name: "@" + g.Name})
	}
	c := bp.Customizations
	if c == nil {
		return wants, errs.Err()
	}
	for _, u := range blueprints.UnsupportedCustomizations(c) {
		bad("customizations."+u, "not supported by qm-build manifest; supported: %s", strings.Join(blueprints.SupportedCustomizations(), ", "))
	}
	if err := blueprints.CheckPolicies(c, name, false); err != nil {
		errs = append(errs, rpmspec.AsErrors(err)...)
	}
	oc := &osp.OSCustomizations
	if h := c.GetHostname(); h != nil {
		oc.Hostname = *h
	}
	if tz, ntp := c.GetTimezoneSettings(); tz != nil || len(ntp) > 0 {
		if len(ntp) > 0 {
			bad("customizations.timezone.ntpservers", "NTP servers are not supported by qm-build manifest")
		}
		if tz != nil {
			oc.Timezone = *tz
		}
	}
	if lang, kb := c.GetPrimaryLocale(); lang != nil || kb != nil {
		if lang != nil {
			oc.Language = *lang
		}
		oc.Keyboard = kb
	}
	if s := c.GetServices(); s != nil {
		oc.EnabledServices = append(oc.EnabledServices, s.Enabled...)
		oc.DisabledServices = append(oc.DisabledServices, s.Disabled...)
		oc.MaskedServices = append(oc.MaskedServices, s.Masked...)
	}
	oc.Users = users.UsersFromBP(c.GetUsers())
	groups, err := c.GetGroups()
	if err != nil {
		bad("customizations.group", "%v", err)
	}
	oc.Groups = users.GroupsFromBP(groups)
	dirs, err := blueprint.DirectoryCustomizationsToFsNodeDirectories(c.GetDirectories())
	if err != nil {
		bad("customizations.directories", "%v", err)
	}
	files, err := blueprint.FileCustomizationsToFsNodeFiles(c.GetFiles())
	if err != nil {
		bad("customizations.files", "%v", err)
	}
	oc.Directories, oc.Files = dirs, files
	return wants, errs.Err()
}
