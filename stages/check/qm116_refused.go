package check

import (
	"github.com/qm-build/qm-build/rootfs/podman"
)

// QM116: podman accepts QM's command line and configuration, and every part
// of it is one the checker can judge.
var ruleQM116 = Rule{
	ID: "QM116", Severity: Error, Group: GroupQuadlet,
	Title: "podman accepts QM's command line and configuration: no unknown flag or bad value in PodmanArgs, GlobalArgs or ExecStart, no containers.conf or hook file it refuses",
	Rationale: "A flag podman 5 does not know, a malformed value, a containers.conf that is not valid TOML or a hook file podman's " +
		"loader refuses make podman fail: QM does not start, and a flag the checker cannot read cannot be judged against " +
		"any FFI property (all FFI tests).",
	FFI: []string{"all"},
	Check: func(c *Context) []Finding {
		v := c.QM()
		out := append([]Finding(nil), v.Refused...)
		if v.Podman == nil {
			return out
		}
		if _, chain, err := v.capabilities(); err != nil {
			out = append(out, chainAt(chain, "podman refuses QM's capabilities: %v", err))
		}
		sec := v.f().sec
		for _, it := range sec.Invalid {
			out = append(out, chainAt(v.occChain(it.From), "podman refuses --security-opt %s", it.Value))
		}
		for _, it := range v.items("device") {
			if _, err := podman.ParseDevice(it.Value); err != nil {
				out = append(out, chainAt(it.Chain, "podman refuses --device %s: %v", it.Value, err))
			}
		}
		for _, kind := range []struct {
			flag  string
			parse func(string) (podman.Mount, error)
		}{{"volume", podman.ParseVolume}, {"mount", podman.ParseMount}} {
			for _, it := range v.items(kind.flag) {
				if _, err := kind.parse(it.Value); err != nil {
					out = append(out, chainAt(it.Chain, "podman refuses --%s: %v", kind.flag, err))
				}
			}
		}
		return out
	},
}
