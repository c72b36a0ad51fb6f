package check

import (
	"strconv"
	"strings"
)

// mqueueSysctl is the sysctl QM's quadlet sets (qm-upstream.md §3).
const mqueueSysctl = "fs.mqueue.queues_max"

// QM114: QM's POSIX message queues are limited.
var ruleQM114 = Rule{
	ID: "QM114", Severity: Error, Group: GroupQuadlet,
	Title: "Sysctl= keeps fs.mqueue.queues_max (a positive number)",
	Rationale: "The limit keeps QM from exhausting message queues ASIL software relies on; the 'mqueue' FFI test expects the " +
		"limit (4 upstream) inside QM and the host's queues isolated; 'sysctl' expects this to be QM's only sysctl.",
	FFI: []string{"mqueue", "sysctl"},
	Check: func(c *Context) []Finding {
		return c.withQM(func(v *qmView) []Finding {
			entries := v.containerAll("Sysctl")
			for i := len(entries) - 1; i >= 0; i-- {
				for _, w := range strings.Fields(v.expand(entries[i].Value)) {
					k, val, _ := strings.Cut(w, "=")
					if k != mqueueSysctl {
						continue
					}
					if n, err := strconv.Atoi(val); err != nil || n <= 0 {
						return []Finding{at(entries[i].File, entries[i].Line, "Sysctl=%s: %s must be a positive number", entries[i].Value, mqueueSysctl)}
					}
					return nil
				}
			}
			if e, ok := v.Container.LookupEntry("Container", "Sysctl"); ok {
				return []Finding{at(e.File, e.Line, "Sysctl= does not set %s (an empty Sysctl= resets the list): QM's message queues are unlimited", mqueueSysctl)}
			}
			return []Finding{v.missing("Container", "Sysctl", mqueueSysctl+" is not limited")}
		})
	},
}
