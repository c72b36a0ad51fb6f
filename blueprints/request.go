package blueprints

import (
	"path"
)

// Pipeline names of the manifests qm-build writes.
const (
	PipelineBuild    = "build"
	PipelineQMRootfs = "qm_rootfs"
	PipelineOS       = "os"
)

// Request is what one pipeline needs resolved: the packages it asks for by
// name (dependencies come from the resolver) and whether weak dependencies
// are installed.
type Request struct {
	Pipeline string
	Packages []Want
	WeakDeps bool
}

// Want is one requested package.
type Want struct {
	Name string
	// Version constrains the version: "" means any, otherwise a version, a
	// version-release or a glob of either (as blueprints allow, "1.0*").
	Version string
	// Own marks qm-build's own packages (qm, qm-<dropin>).
	Own bool
}

// Spec is the package as dnf takes it: name, or name-version.
func (w Want) Spec() string {
	if w.Version == "" || w.Version == "*" {
		return w.Name
	}
	return w.Name + "-" + w.Version
}

// Matches reports whether a resolved package satisfies the want.
func (w Want) Matches(p LockedPackage) bool {
	if p.Name != w.Name {
		return false
	}
	if w.Version == "" || w.Version == "*" {
		return true
	}
	for _, v := range []string{p.Version, p.Version + "-" + p.Release} {
		if v == w.Version {
			return true
		}
		if ok, err := path.Match(w.Version, v); err == nil && ok {
			return true
		}
	}
	return false
}
