package check

import "path"

// QM102: QM boots from its own root filesystem.
var ruleQM102 = Rule{
	ID: "QM102", Severity: Error, Group: GroupQuadlet,
	Title: "Rootfs= is /usr/lib/qm/rootfs",
	Rationale: "QM must run from its own root, not from an image or the host's root: the 'not visible' FFI test expects " +
		"/etc/qm, /usr/lib/qm and /usr/share/qm to be invisible inside QM, which holds only with Rootfs=/usr/lib/qm/rootfs.",
	FFI: []string{"not visible"},
	Check: func(c *Context) []Finding {
		return c.withQM(func(v *qmView) []Finding {
			e, ok := v.container("Rootfs")
			if !ok {
				if img, ok := v.container("Image"); ok {
					return []Finding{at(img.File, img.Line, "Image=%s instead of Rootfs=%s: QM must boot its own root", img.Value, qmRootfs)}
				}
				return []Finding{v.missing("Container", "Rootfs", "QM must boot "+qmRootfs)}
			}
			got := v.expand(e.Value)
			if got == "" || path.Clean(got) != qmRootfs {
				return []Finding{at(e.File, e.Line, "Rootfs=%s (%s): want %s", e.Value, got, qmRootfs)}
			}
			return nil
		})
	},
}
