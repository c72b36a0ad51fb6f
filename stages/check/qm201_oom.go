package check

import "strconv"

// QM201: the kernel kills QM before the host.
var ruleQM201 = Rule{
	ID: "QM201", Severity: Error, Group: GroupOOM,
	Title: "QM's OOMScoreAdjust= is greater than 0",
	Rationale: "A positive OOM score makes the kernel's OOM killer pick QM before ASIL software; the 'oom-score-adj' FFI test " +
		"expects 500 for QM and 'memory' expects OOM kills to land in qm.service.",
	FFI: []string{"oom-score-adj", "memory"},
	Check: func(c *Context) []Finding {
		return c.withQM(func(v *qmView) []Finding {
			e, ok := v.service("OOMScoreAdjust")
			if !ok {
				return []Finding{v.missing("Service", "OOMScoreAdjust", "QM is as likely as host services to be OOM-killed")}
			}
			n, err := strconv.Atoi(e.Value)
			if err != nil || n <= 0 {
				return []Finding{at(e.File, e.Line, "OOMScoreAdjust=%s: want a value above 0 so that QM is OOM-killed before the host", e.Value)}
			}
			return nil
		})
	},
}

// qmOOMScore is QM's effective OOMScoreAdjust, and whether it is set.
func qmOOMScore(v *qmView) (int, bool) {
	e, ok := v.service("OOMScoreAdjust")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(e.Value)
	return n, err == nil
}
