package check

// QM102: QM boots from its own root filesystem.
var ruleQM102 = Rule{
	ID: "QM102", Severity: Error, Group: GroupQuadlet,
	Title: "QM's container runs --rootfs /usr/lib/qm/rootfs",
	Rationale: "QM must run from its own root, not from an image or the host's root: the 'not visible' FFI test expects " +
		"/etc/qm, /usr/lib/qm and /usr/share/qm to be invisible inside QM, which holds only with Rootfs=/usr/lib/qm/rootfs.",
	FFI: []string{"not visible"},
	Check: func(c *Context) []Finding {
		return c.withQM(func(v *qmView) []Finding {
			p, chain, rootfs := v.rootfsPath()
			switch {
			case !rootfs && p != "":
				return []Finding{chainAt(chain, "QM's container runs the image %q instead of its root %s", p, qmRootfs)}
			case !rootfs:
				return []Finding{chainAt(chain, "QM's command line names no root filesystem: want --rootfs %s", qmRootfs)}
			case p != qmRootfs:
				return []Finding{chainAt(chain, "--rootfs %s: want %s", p, qmRootfs)}
			}
			return nil
		})
	},
}
