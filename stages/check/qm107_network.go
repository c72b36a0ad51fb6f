package check

import "strings"

// QM107: QM has a network namespace of its own.
var ruleQM107 = Rule{
	ID: "QM107", Severity: Error, Group: GroupQuadlet,
	Title: "Network= is not host (nor another namespace's)",
	Rationale: "With the host's network namespace QM could change host network sysctls and bind host ports; the " +
		"'tcp_max_syn_backlog' FFI test expects the host value unchanged and 'sockets' expects host sockets out of reach (upstream moved from host to private, containers/qm #408).",
	FFI: []string{"tcp_max_syn_backlog", "sockets"},
	Check: func(c *Context) []Finding {
		return c.withQM(func(v *qmView) []Finding {
			var out []Finding
			for _, e := range v.containerAll("Network") {
				for _, n := range strings.Split(e.Value, ",") {
					mode, _, _ := strings.Cut(strings.TrimSpace(n), ":")
					switch mode {
					case "host", "ns", "container":
						out = append(out, at(e.File, e.Line, "Network=%s shares a network namespace with the host or another container", e.Value))
					}
				}
			}
			return out
		})
	},
}
