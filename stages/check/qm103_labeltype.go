package check

// QM103: QM's processes run confined as qm_t.
var ruleQM103 = Rule{
	ID: "QM103", Severity: Error, Group: GroupQuadlet,
	Title: "QM runs with --security-opt label=type:qm_t",
	Rationale: "QM's systemd and everything it starts run in the SELinux domain qm_t, which the qm policy keeps from the host's files, " +
		"devices and setenforce: the 'selinux' FFI test expects setenforce 0 denied, 'devices' and 'modules' rely on qm_t's rules.",
	FFI: []string{"selinux", "devices", "modules"},
	Check: func(c *Context) []Finding {
		return c.withQM(func(v *qmView) []Finding { return wantLabel(v, "type", "qm_t", "SecurityLabelType") })
	},
}

// wantLabel checks one field of QM's SELinux label on the command line (the
// last label=FIELD:VALUE wins).
func wantLabel(v *qmView, field, want, key string) []Finding {
	it, ok := v.f().sec.Label[field]
	if !ok {
		return []Finding{v.missing("no --security-opt label="+field+":"+want+" on QM's command line", "set "+key+"="+want+" in qm.container")}
	}
	if it.Value != want {
		return []Finding{chainAt(v.occChain(it.From), "label %s %s: want %s", field, it.Value, want)}
	}
	return nil
}
