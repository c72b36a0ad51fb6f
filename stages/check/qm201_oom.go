package check

import (
	"strconv"
)

// QM201: the kernel kills QM before the host.
var ruleQM201 = Rule{
	ID: "QM201", Severity: Error, Group: GroupOOM,
	Title: "QM's OOMScoreAdjust= is greater than 0, and its container's oom_score_adj (--oom-score-adj, containers.conf) too",
	Rationale: "A positive OOM score makes the kernel's OOM killer pick QM before ASIL software; the 'oom-score-adj' FFI test " +
		"expects 500 for QM and 'memory' expects OOM kills to land in qm.service. The container's processes take " +
		"--oom-score-adj (PodmanArgs come last and win), else containers.conf's oom_score_adj, else the service's.",
	FFI: []string{"oom-score-adj", "memory"},
	Check: func(c *Context) []Finding {
		return c.withQM(func(v *qmView) []Finding {
			var out []Finding
			e, ok := v.service("OOMScoreAdjust")
			if !ok {
				out = append(out, v.serviceMissing("OOMScoreAdjust", "QM is as likely as host services to be OOM-killed"))
			} else if n, err := strconv.Atoi(e.Value); err != nil || n <= 0 {
				out = append(out, chainAt(v.entryChain(e), "OOMScoreAdjust=%s: want a value above 0 so that QM is OOM-killed before the host", e.Value))
			}
			if adj := v.containerOOM(); adj.Set {
				if n, err := strconv.Atoi(adj.Value); err != nil || n <= 0 {
					out = append(out, chainAt(adj.Chain, "QM's processes get oom_score_adj %s: want a value above 0 so that QM is OOM-killed before the host", adj.Value))
				}
			}
			return out
		})
	},
}

// containerOOM is the oom_score_adj podman gives QM's processes, when it sets
// one.
func (v *qmView) containerOOM() value {
	if f := v.flag("oom-score-adj"); f.Set {
		return f
	}
	if s, ok := v.conf("containers", "oom_score_adj"); ok {
		n, _ := s.Value.(int64)
		val := strconv.FormatInt(n, 10)
		return value{val, confChain(s, " = "+val), true}
	}
	return value{}
}

// qmOOMScore is QM's effective OOMScoreAdjust, and whether it is set.
func (v *qmView) qmOOMScore() (int, bool) {
	if adj := v.containerOOM(); adj.Set {
		n, err := strconv.Atoi(adj.Value)
		return n, err == nil
	}
	e, ok := v.service("OOMScoreAdjust")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(e.Value)
	return n, err == nil
}
