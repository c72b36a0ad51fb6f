package check

// QM104: QM's files carry qm_file_t inside the container.
var ruleQM104 = Rule{
	ID: "QM104", Severity: Error, Group: GroupQuadlet,
	Title: "QM runs with --security-opt label=filetype:qm_file_t",
	Rationale: "Files QM creates are labelled qm_file_t, the type qm_t may write and host domains do not trust; another type lets QM " +
		"write files host services read ('selinux', 'unit files' FFI tests).",
	FFI: []string{"selinux", "unit files"},
	Check: func(c *Context) []Finding {
		return c.withQM(func(v *qmView) []Finding { return wantLabel(v, "filetype", "qm_file_t", "SecurityLabelFileType") })
	},
}
