package rootfs

import (
	"fmt"
	"slices"
	"strings"
)

// Target is one supported distribution: the name qm-build gives it, the
// names image-builder (osbuild/images) gives it, which qm-build accepts as
// aliases, and the release version dnf resolves it with.
type Target struct {
	Name       string
	Aliases    []string
	Releasever string
}

// Targets is the one table of distributions every front end (flags,
// blueprints, the org.osbuild.qm stage's options, the manifest program)
// checks --distro against. AutoSD is built from CentOS Stream; image-builder
// has no name of its own for it.
var Targets = []Target{
	{Name: "cs9", Aliases: []string{"centos-9"}, Releasever: "9"},
	{Name: "cs10", Aliases: []string{"centos-10"}, Releasever: "10"},
	{Name: "autosd9", Releasever: "9"},
	{Name: "autosd10", Releasever: "10"},
	{Name: "fedora-42", Releasever: "42"},
}

// Arches is the one table of target architectures, by the names rpm and
// image-builder use.
var Arches = []string{"x86_64", "aarch64"}

// DefaultDistro and DefaultArch are the targets when none is given.
const (
	DefaultDistro = "cs10"
	DefaultArch   = "x86_64"
)

// DistroNames lists the supported distributions' names with their aliases
// in parentheses, as messages and --help show them.
func DistroNames() string {
	var out []string
	for _, t := range Targets {
		s := t.Name
		if len(t.Aliases) > 0 {
			s += " (" + strings.Join(t.Aliases, ", ") + ")"
		}
		out = append(out, s)
	}
	return strings.Join(out, ", ")
}

// CanonicalDistro returns qm-build's name of a distribution given by its
// name or an alias; an unknown name is an error listing the supported ones.
func CanonicalDistro(name string) (string, error) {
	for _, t := range Targets {
		if name == t.Name || slices.Contains(t.Aliases, name) {
			return t.Name, nil
		}
	}
	return "", fmt.Errorf("unknown distribution %q; supported: %s", name, DistroNames())
}

// CheckArch checks an architecture against Arches.
func CheckArch(name string) error {
	if slices.Contains(Arches, name) {
		return nil
	}
	return fmt.Errorf("unknown architecture %q; supported: %s", name, strings.Join(Arches, ", "))
}
