package check

// QM105: containers inside QM get their own SELinux confinement.
var ruleQM105 = Rule{
	ID: "QM105", Severity: Warning, Group: GroupQuadlet,
	Title: "SecurityLabelNested=true",
	Rationale: "With SecurityLabelNested QM's podman may confine nested containers as qm_container_t ('qm_nested' FFI test). " +
		"It is a warning because podman on CentOS Stream 9 lacks the option and upstream QM removes it there.",
	FFI: []string{"qm_nested"},
	Check: func(c *Context) []Finding {
		return c.withQM(func(v *qmView) []Finding {
			e, ok := v.container("SecurityLabelNested")
			if !ok {
				return []Finding{v.missing("Container", "SecurityLabelNested", "nested containers are not confined as qm_container_t")}
			}
			if b, ok := parseBool(e.Value); !ok || !b {
				return []Finding{at(e.File, e.Line, "SecurityLabelNested=%s: nested containers are not confined as qm_container_t", e.Value)}
			}
			return nil
		})
	},
}
