package check

import (
	"math"
	"path"
	"strconv"

	"github.com/qm-build/qm-build/rootfs/systemd"
)

// QM203: ASIL services are the last to be OOM-killed.
var ruleQM203 = Rule{
	ID: "QM203", Severity: Error, Group: GroupOOM,
	Title: "units the allow file names as ASIL have a negative OOMScoreAdjust, and no other host unit has a lower one",
	Rationale: "Under memory pressure the kernel must kill QM, then ordinary host services, and ASIL software last; the 'memory' " +
		"FFI test expects ASIL processes to survive while QM fills its memory ('oom-score-adj' checks QM's side of the order).",
	FFI: []string{"memory", "oom-score-adj"},
	Check: func(c *Context) []Finding {
		if len(c.Policy.ASILUnits) == 0 {
			return nil
		}
		var out []Finding
		minASIL := math.MaxInt
		asil := map[string]bool{}
		for _, name := range c.Policy.ASILUnits {
			asil[name] = true
			u := c.HostUnit(name, &out)
			if u == nil {
				out = append(out, at(path.Join(systemd.DirUsr, name), 0, "ASIL unit %s is not in the image (or is masked)", name))
				continue
			}
			e, ok := u.File.LookupEntry("Service", "OOMScoreAdjust")
			n, err := strconv.Atoi(e.Value)
			switch {
			case !ok:
				out = append(out, at(u.Path, 0, "ASIL unit %s has no OOMScoreAdjust=: want a negative value", name))
			case err != nil || n >= 0:
				out = append(out, at(e.File, e.Line, "ASIL unit %s has OOMScoreAdjust=%s: want a negative value", name, e.Value))
			default:
				minASIL = min(minASIL, n)
			}
		}
		if minASIL == math.MaxInt {
			return out
		}
		for _, name := range c.HostServices() {
			if asil[name] || name == qmService {
				continue
			}
			u := c.HostUnit(name, &out)
			if u == nil {
				continue
			}
			if e, ok := u.File.LookupEntry("Service", "OOMScoreAdjust"); ok {
				if n, err := strconv.Atoi(e.Value); err == nil && n < minASIL {
					out = append(out, at(e.File, e.Line, "%s is not ASIL but has OOMScoreAdjust=%d, below the ASIL units' %d", name, n, minASIL))
				}
			}
		}
		return out
	},
}
