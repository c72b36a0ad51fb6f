package check

// QM101: QM's quadlet exists where quadlet looks, parses, and is what systemd
// runs.
var ruleQM101 = Rule{
	ID: "QM101", Severity: Error, Group: GroupQuadlet,
	Title: "qm.container exists where quadlet looks, parses, and no static qm.service replaces it",
	Rationale: "Every isolation setting of QM lives in its quadlet. Without a readable qm.container quadlet generates no qm.service; " +
		"a static qm.service in /etc/systemd/system or /run/systemd/system replaces the generated unit and none of its settings apply " +
		"(all FFI tests start from qm.service as quadlet generates it).",
	FFI: []string{"all"},
	Check: func(c *Context) []Finding {
		v := c.QM()
		if v.Path == "" {
			return []Finding{at(quadletDirs[2]+"/"+qmUnit, 0, "no qm.container in %s: quadlet will not generate qm.service", joinDirs(quadletDirs))}
		}
		out := append([]Finding(nil), v.Problems...)
		if v.StaticService != "" {
			out = append(out, at(v.StaticService, 0, "a static qm.service replaces the unit quadlet generates from %s", v.Path))
		}
		return out
	},
}

func joinDirs(ds []string) string {
	s := ""
	for i, d := range ds {
		if i > 0 {
			s += ", "
		}
		s += d
	}
	return s
}
