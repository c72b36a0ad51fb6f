package check

// QM202: containers inside QM are killed before QM itself.
var ruleQM202 = Rule{
	ID: "QM202", Severity: Error, Group: GroupOOM,
	Title: "the nested oom_score_adj in /etc/qm/containers/containers.conf (and .d) is greater than QM's OOMScoreAdjust",
	Rationale: "Nested containers must be OOM-killed before QM's own systemd and agent, and QM before the host: the " +
		"'oom-score-adj' FFI test expects 750 inside QM against 500 for QM, and 'memory' that OOM kills land in QM's workloads.",
	FFI: []string{"oom-score-adj", "memory"},
	Check: func(c *Context) []Finding {
		n := c.Nested()
		out := append([]Finding(nil), n.problems...)
		return append(out, c.withQM(func(v *qmView) []Finding {
			qm, ok := qmOOMScore(v)
			if !ok {
				return nil // QM201 reports it
			}
			val, set := n.values["oom_score_adj"]
			if !set {
				where := qmEtc + "/containers/containers.conf"
				if len(n.files) > 0 {
					where = n.files[len(n.files)-1]
				}
				return []Finding{at(where, 0, "[containers] oom_score_adj is not set: nested containers are not killed before QM (OOMScoreAdjust=%d)", qm)}
			}
			adj, err := intValue(val.Value)
			if err != nil {
				return []Finding{at(val.File, val.Line, "oom_score_adj: %v", err)}
			}
			if adj <= int64(qm) {
				return []Finding{at(val.File, val.Line, "oom_score_adj = %d is not above QM's OOMScoreAdjust=%d", adj, qm)}
			}
			return nil
		})...)
	},
}
