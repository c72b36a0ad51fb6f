package check

import "strings"

// QM501: QM's agent is a node of its own, named qm.<host>.
var ruleQM501 = Rule{
	ID: "QM501", Severity: Error, Group: GroupBlueChi,
	Title: "QM's BlueChi agent NodeName starts with qm.",
	Rationale: "The controller tells QM's agent from the host's by name (upstream's setup prefixes qm.); with the host's name QM " +
		"could receive commands meant for ASIL units ('agent-flood' FFI test runs both agents against one controller).",
	FFI: []string{"agent-flood"},
	Check: func(c *Context) []Finding {
		a := c.Agent()
		out := append([]Finding(nil), a.problems...)
		if a.File == nil {
			return out
		}
		e, ok := a.File.LookupEntry(agentSection, "NodeName")
		if !ok || e.Value == "" {
			where := a.Files[len(a.Files)-1]
			return append(out, at(where, 0, "[%s] NodeName is not set: the agent would use QM's hostname, want qm.<host>", agentSection))
		}
		if !strings.HasPrefix(e.Value, "qm.") || e.Value == "qm." {
			out = append(out, at(e.File, e.Line, "NodeName=%s: want qm.<host>", e.Value))
		}
		return out
	},
}
