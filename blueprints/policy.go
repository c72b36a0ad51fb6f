package blueprints

import (
	"fmt"

	"github.com/osbuild/images/pkg/pathpolicy"
)

// FragmentPolicy is the path policy of QM blueprint fragments, a table in the
// form of images' pkg/policies: files and directories under /etc only. A
// fragment carries the qm.container.d options and /etc/qm content; QM's
// rootfs (/usr/lib/qm/rootfs) and anything else under /usr come from the RPMs
// or the manifest, because images' CustomFilesPolicies deny /usr and a
// blueprint cannot install packages into a second root.
var FragmentPolicy = &pathPolicy{
	name: "qm-build's FragmentPolicy (files and directories under /etc only; QM's rootfs comes from the RPMs or the manifest)",
	policies: pathpolicy.NewPathPolicies(map[string]pathpolicy.PathPolicy{
		"/":    {Deny: true},
		"/etc": {},
	}),
}

type pathPolicy struct {
	name     string
	policies *pathpolicy.PathPolicies
}

// Allows reports whether the policy lets a fragment write p.
func (p *pathPolicy) Allows(path string) bool { return p.policies.Check(path) == nil }

func (p *pathPolicy) deny(path string) string {
	return fmt.Sprintf("path %q is not allowed: denied by %s", path, p.name)
}
