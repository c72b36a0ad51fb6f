package check

// QM204: QM cannot push the host into swap.
var ruleQM204 = Rule{
	ID: "QM204", Severity: Error, Group: GroupOOM,
	Title: "QM has MemorySwapMax=0 and ManagedOOMSwap=kill",
	Rationale: "Without swap QM's memory pressure stays inside its cgroup and systemd-oomd kills QM first; the 'memory' FFI " +
		"test expects OOM kills to land in qm.service while ASIL software keeps its memory.",
	FFI: []string{"memory"},
	Check: func(c *Context) []Finding {
		return c.withQM(func(v *qmView) []Finding {
			var out []Finding
			for _, kv := range [][2]string{{"MemorySwapMax", "0"}, {"ManagedOOMSwap", "kill"}} {
				e, ok := v.service(kv[0])
				switch {
				case !ok:
					out = append(out, v.serviceMissing(kv[0], "want "+kv[0]+"="+kv[1]))
				case e.Value != kv[1]:
					out = append(out, chainAt(v.entryChain(e), "%s=%s: want %s", kv[0], e.Value, kv[1]))
				}
			}
			return out
		})
	},
}
