package check

import (
	"strconv"
	"strings"

	"github.com/qm-build/qm-build/rootfs/quadlet"
)

// mqueueSysctl is the sysctl QM's quadlet sets (qm-upstream.md §3).
const mqueueSysctl = "fs.mqueue.queues_max"

// mqueueLimit is QM's limit in the model (quadlet.QM: Sysctl=fs.mqueue.queues_max=4).
func mqueueLimit() int {
	for _, s := range quadlet.QM("").Sysctl {
		if v, ok := strings.CutPrefix(s, mqueueSysctl+"="); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	return 0
}

// QM114: QM's POSIX message queues are limited.
var ruleQM114 = Rule{
	ID: "QM114", Severity: Error, Group: GroupQuadlet,
	Title: "QM's effective fs.mqueue.queues_max is set, positive and no higher than QM's limit (4)",
	Rationale: "The limit keeps QM from exhausting message queues ASIL software relies on; the 'mqueue' FFI test expects the " +
		"limit (4 upstream) inside QM and the host's queues isolated; 'sysctl' expects this to be QM's only sysctl. The value is " +
		"podman's: containers.conf's default_sysctls, then every --sysctl in order, the last one of a name winning (PodmanArgs come last).",
	FFI: []string{"mqueue", "sysctl"},
	Check: func(c *Context) []Finding {
		return c.withQM(func(v *qmView) []Finding {
			val, ok := v.sysctls()[mqueueSysctl]
			if !ok {
				return []Finding{v.missing("no --sysctl "+mqueueSysctl+" on QM's command line", "QM's message queues are unlimited (Sysctl=)")}
			}
			limit := mqueueLimit()
			n, err := strconv.Atoi(val.Value)
			switch {
			case err != nil || n <= 0:
				return []Finding{chainAt(val.Chain, "%s=%s: must be a positive number", mqueueSysctl, val.Value)}
			case n > limit:
				return []Finding{chainAt(val.Chain, "%s=%s: above QM's limit %d", mqueueSysctl, val.Value, limit)}
			}
			return nil
		})
	},
}

// sysctls are QM's effective sysctls.
func (v *qmView) sysctls() map[string]value {
	out := map[string]value{}
	add := func(it value) {
		if k, val, ok := strings.Cut(it.Value, "="); ok {
			out[strings.TrimSpace(k)] = value{strings.TrimSpace(val), it.Chain, true}
		}
	}
	if s, ok := v.conf("containers", "default_sysctls"); ok {
		for _, it := range confItems(s) {
			add(it)
		}
	}
	for _, it := range v.items("sysctl") {
		add(it)
	}
	return out
}
