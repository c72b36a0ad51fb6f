package check

// QM303: QM's systemd manages its own cgroup subtree.
var ruleQM303 = Rule{
	ID: "QM303", Severity: Error, Group: GroupResources,
	Title: "QM has Delegate=true",
	Rationale: "Delegation gives QM's systemd its own cgroup subtree, so that limits and OOM kills of nested units stay inside " +
		"qm.service ('memory' FFI test: OOM kills land in qm.service).",
	FFI: []string{"memory"},
	Check: func(c *Context) []Finding {
		return c.withQM(func(v *qmView) []Finding {
			e, ok := v.service("Delegate")
			if !ok {
				return []Finding{v.missing("Service", "Delegate", "QM's systemd cannot manage its own cgroups")}
			}
			if b, isBool := parseBool(e.Value); !isBool || !b {
				return []Finding{at(e.File, e.Line, "Delegate=%s: want true", e.Value)}
			}
			return nil
		})
	},
}
