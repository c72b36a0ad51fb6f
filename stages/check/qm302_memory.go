package check

// QM302: QM's memory limits are the configured ones.
var ruleQM302 = Rule{
	ID: "QM302", Severity: Error, Group: GroupResources,
	Title: "QM's MemoryMax= and MemoryHigh= are as configured (build plan or allow file)",
	Rationale: "The 'memory' FFI test runs QM against its memory limit and expects ASIL software unaffected; a limit other than " +
		"the one the integrator sized gives QM more of the machine than planned.",
	FFI: []string{"memory"},
	Check: func(c *Context) []Finding {
		return c.withQM(func(v *qmView) []Finding {
			var out []Finding
			for _, kv := range [][2]string{{"MemoryMax", c.Policy.MemoryMax}, {"MemoryHigh", c.Policy.MemoryHigh}} {
				if kv[1] == "" {
					continue
				}
				e, ok := v.service(kv[0])
				switch {
				case !ok:
					out = append(out, v.serviceMissing(kv[0], "want "+kv[0]+"="+kv[1]))
				case e.Value != kv[1]:
					out = append(out, chainAt(v.entryChain(e), "%s=%s: configured %s", kv[0], e.Value, kv[1]))
				}
			}
			return out
		})
	},
}
