package blueprints

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/osbuild/blueprint/pkg/blueprint"

	"github.com/qm-build/qm-build/rpmspec"
)

// SupportedCustomizations are the base blueprint customizations a manifest
// carries, by their TOML keys.
func SupportedCustomizations() []string {
	return []string{"directories", "files", "group", "hostname", "locale", "services", "timezone", "user"}
}

// UnsupportedCustomizations lists the keys of c outside SupportedCustomizations.
func UnsupportedCustomizations(c *blueprint.Customizations) []string {
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

// CheckPolicies applies images' customization policies (FilesPolicy,
// DirectoriesPolicy) to a blueprint's files and directories; a fragment must
// also keep to /etc (FragmentPolicy). Each error names the policy that denies the path.
func CheckPolicies(c *blueprint.Customizations, name string, fragment bool) error {
	var errs rpmspec.Errors
	files, dirs, frag := FilesPolicy(), DirectoriesPolicy(), FragmentPolicy()
	for i, d := range c.GetDirectories() {
		field := fmt.Sprintf("customizations.directories[%d]", i)
		if err := dirs.Check(d.Path); err != nil {
			errs = append(errs, &rpmspec.InputError{File: name, Field: field, Msg: fmt.Sprintf("%v: denied by %s", err, dirs.Name)})
		} else if fragment && !frag.Allows(d.Path) {
			errs = append(errs, &rpmspec.InputError{File: name, Field: field, Msg: frag.deny(d.Path)})
		}
	}
	for i, f := range c.GetFiles() {
		field := fmt.Sprintf("customizations.files[%d]", i)
		if err := files.Check(f.Path); err != nil {
			errs = append(errs, &rpmspec.InputError{File: name, Field: field, Msg: fmt.Sprintf("%v: denied by %s", err, files.Name)})
		} else if fragment && !frag.Allows(f.Path) {
			errs = append(errs, &rpmspec.InputError{File: name, Field: field, Msg: frag.deny(f.Path)})
		}
	}
	if err := blueprint.ValidateDirFileCustomizations(c.GetDirectories(), c.GetFiles()); err != nil {
		errs = append(errs, &rpmspec.InputError{File: name, Field: "customizations", Msg: err.Error()})
	}
	return errs.Err()
}
