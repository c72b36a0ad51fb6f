package check

import "fmt"

// QM804: qm and its drop-ins come from one build.
var ruleQM804 = Rule{
	ID: "QM804", Severity: Error, Group: GroupPackages, Scope: ScopePackages,
	Title: "there is one qm package, and every qm-<drop-in> package (one that requires qm or installs QM configuration) has its version-release or was built with it from one source package",
	Rationale: "Drop-ins and qm are composed from one plan: a drop-in from another build may add devices or quadlet settings " +
		"that this qm's policy and checks do not expect ('devices' FFI test). A subpackage built from qm's own source package " +
		"(the same SOURCERPM, as rpmbuild records it) may carry its own version, as qm-build's qm-wayland and qm-oci-hooks do " +
		"(upstream's versions). qm-* packages that neither require qm nor install QM configuration (upstream's qm-oci-hooks " +
		"and qm-wayland, built from their own specs) are versioned on their own.",
	FFI: []string{"devices"},
	Check: func(c *Context) []Finding {
		var qms []*rpmInfo
		for _, r := range c.rpms {
			if r.NEVRA.Name == "qm" {
				qms = append(qms, r)
			}
		}
		var out []Finding
		if len(qms) == 0 {
			for _, r := range c.rpms {
				if r.isDropin() {
					out = append(out, at(r.File, 0, "drop-in package %s, but no qm package", r.NEVRA.Name))
				}
			}
			return out
		}
		qm := qms[0]
		for _, other := range qms[1:] {
			if other.evr() != qm.evr() {
				out = append(out, at(other.File, 0, "qm %s next to qm %s (%s)", other.evr(), qm.evr(), qm.File))
			}
		}
		for _, r := range c.rpms {
			if r.isDropin() && r.evr() != qm.evr() && !sameBuild(r, qm) {
				out = append(out, at(r.File, 0, "%s is %s, qm is %s%s", r.NEVRA.Name, r.evr(), qm.evr(), sourceNote(r, qm)))
			}
		}
		return out
	},
}

// sameBuild says whether two packages are subpackages of one build: the same
// source package, as rpmbuild records it in each binary package.
func sameBuild(a, b *rpmInfo) bool {
	return a.SourceRPM != "" && a.SourceRPM == b.SourceRPM
}

// sourceNote says which source packages differ, when both are known.
func sourceNote(r, qm *rpmInfo) string {
	if r.SourceRPM == "" || qm.SourceRPM == "" {
		return ""
	}
	return fmt.Sprintf(" (built from %s, qm from %s)", r.SourceRPM, qm.SourceRPM)
}
