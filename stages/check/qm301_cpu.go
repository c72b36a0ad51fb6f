package check

import "strconv"

// QM301: QM cannot outweigh host services for CPU.
var ruleQM301 = Rule{
	ID: "QM301", Severity: Error, Group: GroupResources,
	Title: "QM's CPUWeight= is idle or no higher than the configured limit (default 100)",
	Rationale: "QM's CPU share must stay below the ASIL services' so that a busy QM cannot delay them (upstream sets idle and " +
		"moves QM to -.slice, containers/qm #748). Upstream has no runtime test for it ('cpu' is qm-build's own property). The limit comes from the build plan or the allow file's cpu-weight.",
	FFI: []string{"cpu"},
	Check: func(c *Context) []Finding {
		return c.withQM(func(v *qmView) []Finding {
			e, ok := v.service("CPUWeight")
			if !ok {
				return []Finding{v.serviceMissing("CPUWeight", "QM gets the default CPU weight of every host service; want idle")}
			}
			if e.Value == "idle" {
				return nil
			}
			limit := c.Policy.CPUWeight
			if limit == "" {
				limit = strconv.Itoa(DefaultCPUWeightLimit)
			}
			if limit == "idle" {
				return []Finding{chainAt(v.entryChain(e), "CPUWeight=%s: the build asked for idle", e.Value)}
			}
			n, err := strconv.Atoi(e.Value)
			max, _ := strconv.Atoi(limit)
			if err != nil || n > max {
				return []Finding{chainAt(v.entryChain(e), "CPUWeight=%s is above the limit %s", e.Value, limit)}
			}
			return nil
		})
	},
}
