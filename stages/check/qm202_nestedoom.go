package check

// QM202: containers inside QM are killed before QM itself.
var ruleQM202 = Rule{
	ID: "QM202", Severity: Error, Group: GroupOOM,
	Title: "the nested oom_score_adj in /etc/qm/containers/containers.conf (and .d) is greater than QM's own",
	Rationale: "Nested containers must be OOM-killed before QM's own systemd and agent, and QM before the host: the " +
		"'oom-score-adj' FFI test expects 750 inside QM against 500 for QM, and 'memory' that OOM kills land in QM's workloads.",
	FFI: []string{"oom-score-adj", "memory"},
	Check: func(c *Context) []Finding {
		n := c.Nested()
		out := append([]Finding(nil), n.problems...)
		return append(out, c.withQM(func(v *qmView) []Finding {
			qm, ok := v.qmOOMScore()
			if !ok {
				return nil // QM201 reports it
			}
			s, set := n.conf.Get("containers", "oom_score_adj")
			if !set {
				return []Finding{at(n.where(), 0, "[containers] oom_score_adj is not set: nested containers are not killed before QM (%d)", qm)}
			}
			adj, _ := s.Value.(int64)
			if adj <= int64(qm) {
				return []Finding{at(s.File, s.Line, "oom_score_adj = %d is not above QM's %d", adj, qm)}
			}
			return nil
		})...)
	},
}
