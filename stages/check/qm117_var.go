package check

import (
	"path"
	"strings"

	"github.com/qm-build/qm-build/rootfs/quadlet"
)

// QM117: QM's /var and /var/tmp are the /var/qm volumes.
var ruleQM117 = Rule{
	ID: "QM117", Severity: Error, Group: GroupQuadlet,
	Title: "inside QM, /var is /var/qm and /var/tmp is /var/qm/tmp, and nothing else is mounted there",
	Rationale: "QM writes only to its own partition: the 'disk' FFI test fills /var/qm and expects the host to still allocate, and " +
		"upstream's sanity test requires /var and /var/tmp to be the /var/qm volumes, not tmpfs (a tmpfs there takes host memory, the " +
		"'memory' FFI test's budget; containers/qm #439, #723). A reset Volume=, a Tmpfs=/var or a --mount over /var/tmp breaks that.",
	FFI: []string{"disk", "memory"},
	Check: func(c *Context) []Finding {
		return c.withQM(func(v *qmView) []Finding {
			want := map[string]string{}
			for _, vol := range quadlet.QM("").Volume {
				src, dst, _ := strings.Cut(vol, ":")
				if under(src, qmVar) {
					want[dst] = src
				}
			}
			got := map[string][]mountFact{}
			for _, m := range v.mounts() {
				if _, ok := want[m.Destination]; ok {
					got[m.Destination] = append(got[m.Destination], m)
				}
			}
			var out []Finding
			for _, dst := range []string{"/var", "/var/tmp"} {
				src := want[dst]
				ms := got[dst]
				if len(ms) == 0 {
					out = append(out, v.missing("QM mounts nothing at "+dst, "want Volume="+src+":"+dst+" (without it "+dst+" is QM's read-only root or a tmpfs)"))
					continue
				}
				for _, m := range ms {
					if m.Type != "bind" || path.Clean(m.Source) != src {
						out = append(out, chainAt(m.Chain, "%s %s mounts %s over %s: want only %s", m.Via, m.Raw, describeMount(m), dst, src))
					}
				}
			}
			return out
		})
	},
}

func describeMount(m mountFact) string {
	if m.Source == "" {
		return "a " + m.Type
	}
	return m.Type + " " + m.Source
}
