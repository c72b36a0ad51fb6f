package check

// QM101: systemd runs QM as quadlet generates it from qm.container.
var ruleQM101 = Rule{
	ID: "QM101", Severity: Error, Group: GroupQuadlet,
	Title: "qm.service is the unit quadlet generates from a readable qm.container, it loads, and it runs podman",
	Rationale: "Every isolation setting of QM lives in its quadlet. Without a readable qm.container quadlet generates no qm.service; " +
		"a qm.service unit file in /etc/systemd/system replaces the generated unit; a masked unit, a drop-in that fails to parse, " +
		"a second ExecStart= or a command other than podman leave QM not running or running without its settings " +
		"(all FFI tests start from qm.service as quadlet generates it).",
	FFI: []string{"all"},
	Check: func(c *Context) []Finding {
		return append([]Finding(nil), c.QM().Problems...)
	},
}
