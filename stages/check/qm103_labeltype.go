package check

// QM103: QM's processes run confined as qm_t.
var ruleQM103 = Rule{
	ID: "QM103", Severity: Error, Group: GroupQuadlet,
	Title: "SecurityLabelType=qm_t",
	Rationale: "QM's systemd and everything it starts run in the SELinux domain qm_t, which the qm policy keeps from the host's files, " +
		"devices and setenforce: the 'selinux' FFI test expects setenforce 0 denied, 'devices' and 'modules' rely on qm_t's rules.",
	FFI: []string{"selinux", "devices", "modules"},
	Check: func(c *Context) []Finding {
		return c.withQM(func(v *qmView) []Finding { return wantValue(v, "SecurityLabelType", "qm_t") })
	},
}

// wantValue checks that a [Container] key is set to want.
func wantValue(v *qmView, key, want string) []Finding {
	e, ok := v.container(key)
	if !ok {
		return []Finding{v.missing("Container", key, "want "+key+"="+want)}
	}
	if v.expand(e.Value) != want {
		return []Finding{at(e.File, e.Line, "%s=%s: want %s", key, e.Value, want)}
	}
	return nil
}
