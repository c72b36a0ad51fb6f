package blueprints

import (
	"fmt"
	"path"
	"strings"
)

// PathPolicy is a table of path policies in the form of osbuild/images'
// pkg/pathpolicy: each entry allows or denies a path and everything under
// it, the entry with the longest matching path decides, and an Exact entry
// allows the path itself but nothing under it. qm-build keeps its own copy
// of the two tables it applies (CustomFilesPolicies, CustomDirectoriesPolicies,
// from images' pkg/policies) so that only blueprints/manifest imports
// osbuild/images; blueprints/manifest's tests check every copy against
// images' own tables, path by path.
type PathPolicy struct {
	// Name is how an error names the policy.
	Name    string
	entries map[string]policyEntry
}

type policyEntry struct{ Deny, Exact bool }

// Check returns nil when the policy allows p, else an error worded as
// images' PathPolicies.Check words it.
func (pp *PathPolicy) Check(p string) error {
	if p == "" || p[0] != '/' {
		return fmt.Errorf("path %q must be absolute", p)
	}
	if p != path.Clean(p) {
		return fmt.Errorf("path %q must be canonical", p)
	}
	match, e := "/", pp.entries["/"]
	for k, v := range pp.entries {
		if len(k) > len(match) && (p == k || strings.HasPrefix(p, k+"/")) {
			match, e = k, v
		}
	}
	if e.Deny || (e.Exact && p != match) {
		return fmt.Errorf("path %q is not allowed", p)
	}
	return nil
}

// Allows reports whether the policy lets p be written.
func (pp *PathPolicy) Allows(p string) bool { return pp.Check(p) == nil }

// Paths are the table's paths, for the differential test.
func (pp *PathPolicy) Paths() []string {
	out := make([]string, 0, len(pp.entries))
	for k := range pp.entries {
		out = append(out, k)
	}
	return out
}

func (pp *PathPolicy) deny(p string) string {
	return fmt.Sprintf("path %q is not allowed: denied by %s", p, pp.Name)
}

// FilesPolicy is images' policies.CustomFilesPolicies: the paths a
// blueprint's customizations.files may name.
func FilesPolicy() *PathPolicy {
	return &PathPolicy{Name: "images' policies.CustomFilesPolicies", entries: map[string]policyEntry{
		"/": {}, "/bin": {Deny: true}, "/boot": {Deny: true}, "/dev": {Deny: true}, "/efi": {Deny: true},
		"/etc/fstab": {Deny: true}, "/etc/group": {Deny: true}, "/etc/passwd": {Deny: true}, "/etc/shadow": {Deny: true},
		"/lib": {Deny: true}, "/lib64": {Deny: true}, "/lost+found": {Deny: true}, "/proc": {Deny: true},
		"/run": {Deny: true}, "/sbin": {Deny: true}, "/sys": {Deny: true}, "/sysroot": {Deny: true},
		"/tmp": {Deny: true}, "/usr": {Deny: true}, "/usr/local": {}, "/var/run": {Deny: true}, "/var/tmp": {Deny: true},
	}}
}

// DirectoriesPolicy is images' policies.CustomDirectoriesPolicies: the paths
// a blueprint's customizations.directories may name.
func DirectoriesPolicy() *PathPolicy {
	return &PathPolicy{Name: "images' policies.CustomDirectoriesPolicies", entries: map[string]policyEntry{
		"/": {}, "/bin": {Deny: true}, "/boot": {Deny: true}, "/dev": {Deny: true}, "/efi": {Deny: true},
		"/lib": {Deny: true}, "/lib64": {Deny: true}, "/lost+found": {Deny: true}, "/proc": {Deny: true},
		"/run": {Deny: true}, "/sbin": {Deny: true}, "/sys": {Deny: true}, "/sysroot": {Deny: true},
		"/tmp": {Deny: true}, "/usr": {Deny: true}, "/usr/local": {}, "/var/run": {Deny: true}, "/var/tmp": {Deny: true},
	}}
}

// FragmentPolicy is the path policy of QM blueprint fragments: files and
// directories under /etc only. A fragment carries the qm.container.d options
// and /etc/qm content; QM's rootfs (/usr/lib/qm/rootfs) and anything else
// under /usr come from the RPMs or the manifest, because images'
// CustomFilesPolicies deny /usr and a blueprint cannot install packages into
// a second root.
func FragmentPolicy() *PathPolicy {
	return &PathPolicy{
		Name:    "qm-build's FragmentPolicy (files and directories under /etc only; QM's rootfs comes from the RPMs or the manifest)",
		entries: map[string]policyEntry{"/": {Deny: true}, "/etc": {}},
	}
}
