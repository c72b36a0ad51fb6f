package blueprints

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/osbuild/blueprint/pkg/blueprint"
	"github.com/osbuild/images/pkg/customizations/users"
	"github.com/osbuild/images/pkg/manifest"
	"github.com/osbuild/images/pkg/policies"

	"github.com/qm-build/qm-build/rpmspec"
)

// baseWants maps the user's base blueprint onto images' OS customizations and
// returns the packages it asks for. What a manifest cannot carry (containers
// need a registry resolver, enabled modules a modular repository, and so on)
// is an error naming it: nothing the user asked for is dropped silently.
func applyBase(osp *manifest.OS, bp *blueprint.Blueprint, name string) ([]Want, error) {
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
	var wants []Want
	for _, p := range append(append([]blueprint.Package(nil), bp.Packages...), bp.Modules...) {
		wants = addWants(wants, Want{Name: p.Name, Version: p.Version})
	}
	for _, g := range bp.Groups {
		wants = addWants(wants, Want{Name: "@" + g.Name})
	}
	c := bp.Customizations
	if c == nil {
		return wants, errs.Err()
	}
	for _, u := range unsupportedCustomizations(c) {
		bad("customizations."+u, "not supported by qm-build manifest; supported: %s", strings.Join(supportedCustomizations, ", "))
	}
	if err := checkPolicies(c, name, false); err != nil {
		errs = append(errs, asInputErrors(err)...)
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

// supportedCustomizations are the base blueprint customizations a manifest
// carries, by their TOML keys.
var supportedCustomizations = []string{"directories", "files", "group", "hostname", "locale", "services", "timezone", "user"}

// unsupportedCustomizations lists the keys of c outside supportedCustomizations.
func unsupportedCustomizations(c *blueprint.Customizations) []string {
	rest := *c
	rest.Directories, rest.Files, rest.Group, rest.Hostname = nil, nil, nil, nil
	rest.Locale, rest.Services, rest.Timezone, rest.User = nil, nil, nil, nil
	b, err := json.Marshal(rest)
	if err != nil {
		return []string{fmt.Sprintf("(%v)", err)}
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return []string{fmt.Sprintf("(%v)", err)}
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// checkPolicies applies images' customization policies (pkg/policies) to a
// blueprint's files and directories; a fragment must also keep to /etc
// (FragmentPolicy). Each error names the policy that denies the path.
func checkPolicies(c *blueprint.Customizations, name string, fragment bool) error {
	var errs rpmspec.Errors
	for i, d := range c.GetDirectories() {
		field := fmt.Sprintf("customizations.directories[%d]", i)
		if err := policies.CustomDirectoriesPolicies.Check(d.Path); err != nil {
			errs = append(errs, &rpmspec.InputError{File: name, Field: field, Msg: fmt.Sprintf("%v: denied by images' policies.CustomDirectoriesPolicies", err)})
		} else if fragment && !FragmentPolicy.Allows(d.Path) {
			errs = append(errs, &rpmspec.InputError{File: name, Field: field, Msg: FragmentPolicy.deny(d.Path)})
		}
	}
	for i, f := range c.GetFiles() {
		field := fmt.Sprintf("customizations.files[%d]", i)
		if err := policies.CustomFilesPolicies.Check(f.Path); err != nil {
			errs = append(errs, &rpmspec.InputError{File: name, Field: field, Msg: fmt.Sprintf("%v: denied by images' policies.CustomFilesPolicies", err)})
		} else if fragment && !FragmentPolicy.Allows(f.Path) {
			errs = append(errs, &rpmspec.InputError{File: name, Field: field, Msg: FragmentPolicy.deny(f.Path)})
		}
	}
	if err := blueprint.ValidateDirFileCustomizations(c.GetDirectories(), c.GetFiles()); err != nil {
		errs = append(errs, &rpmspec.InputError{File: name, Field: "customizations", Msg: err.Error()})
	}
	return errs.Err()
}

// asInputErrors flattens an error from checkPolicies.
func asInputErrors(err error) rpmspec.Errors {
	switch e := err.(type) {
	case rpmspec.Errors:
		return e
	case *rpmspec.InputError:
		return rpmspec.Errors{e}
	}
	return rpmspec.Errors{{Msg: err.Error()}}
}
