package check

import "path"

// QM606: QM's own management files are not inside QM.
var ruleQM606 = Rule{
	ID: "QM606", Severity: Error, Group: GroupHygiene,
	Title: "QM's rootfs contains no usr/lib/qm or usr/share/qm",
	Rationale: "The 'not visible' FFI test expects /usr/lib/qm and /usr/share/qm invisible inside QM; a copy in the rootfs " +
		"shows QM the host's QM configuration and lets it reason about its own confinement.",
	FFI: []string{"not visible"},
	Check: func(c *Context) []Finding {
		var out []Finding
		for _, p := range []string{"usr/lib/qm", "usr/share/qm"} {
			full := path.Join(qmRootfs, p)
			if _, err := c.FS.Lstat(full); err == nil {
				out = append(out, at(full, 0, "QM would see /%s inside", p))
			}
		}
		return out
	},
}
