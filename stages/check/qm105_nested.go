package check

// QM105: containers inside QM get their own SELinux confinement.
var ruleQM105 = Rule{
	ID: "QM105", Severity: Warning, Group: GroupQuadlet,
	Title: "QM runs with --security-opt label=nested",
	Rationale: "With SecurityLabelNested QM's podman may confine nested containers as qm_container_t ('qm_nested' FFI test). " +
		"It is a warning because podman on CentOS Stream 9 lacks the option and upstream QM removes it there.",
	FFI: []string{"qm_nested"},
	Check: func(c *Context) []Finding {
		return c.withQM(func(v *qmView) []Finding {
			if v.f().sec.LabelNested == nil {
				return []Finding{v.missing("no --security-opt label=nested on QM's command line", "nested containers are not confined as qm_container_t (SecurityLabelNested=true)")}
			}
			return nil
		})
	},
}
