package check

// QM107: QM has a network namespace of its own.
var ruleQM107 = Rule{
	ID: "QM107", Severity: Error, Group: GroupQuadlet,
	Title: "QM's network namespace is its own (not host, nor another namespace's)",
	Rationale: "With the host's network namespace QM could change host network sysctls and bind host ports; the " +
		"'tcp_max_syn_backlog' FFI test expects the host value unchanged and 'sockets' expects host sockets out of reach (upstream moved from host to private, containers/qm #408).",
	FFI: []string{"tcp_max_syn_backlog", "sockets"},
	Check: func(c *Context) []Finding {
		return c.withQM(func(v *qmView) []Finding {
			nets := v.items("network")
			if len(nets) == 0 {
				if n := v.namespace("network", "netns"); n.Set {
					nets = []value{n}
				}
			}
			var out []Finding
			for _, n := range nets {
				if hostShared(n.Value) {
					out = append(out, chainAt(n.Chain, "network %s shares a network namespace with the host or another container", n.Value))
				}
			}
			return out
		})
	},
}
