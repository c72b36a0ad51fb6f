package check

import (
	"strings"

	"github.com/qm-build/qm-build/rootfs/podman"
)

// requiredDrops are the capabilities QM's quadlet drops (qm-upstream.md §3).
var requiredDrops = []string{"CAP_SYS_BOOT", "CAP_SYS_RESOURCE"}

// defaultCaps are podman's default capabilities when containers.conf sets
// none (containers/common DefaultCapabilities).
var defaultCaps = []string{"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_NET_BIND_SERVICE",
	"CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT"}

// QM112: QM cannot reboot the host or lift resource limits.
var ruleQM112 = Rule{
	ID: "QM112", Severity: Error, Group: GroupQuadlet,
	Title: "QM's effective capabilities lack sys_boot and sys_resource",
	Rationale: "CAP_SYS_BOOT would let QM reboot the machine under ASIL software; CAP_SYS_RESOURCE would let it override the " +
		"resource and mqueue limits the 'memory' and 'mqueue' FFI tests rely on. The set is computed as podman computes it: " +
		"containers.conf's default capabilities, --cap-add (ALL replaces the base and ignores other adds), --cap-drop.",
	FFI: []string{"memory", "mqueue"},
	Check: func(c *Context) []Finding {
		return c.withQM(func(v *qmView) []Finding {
			if priv, _ := v.privileged(); priv {
				return nil // QM108 reports privileged mode, which keeps every capability
			}
			caps, chain, err := v.capabilities()
			if err != nil {
				return nil // QM116 reports what podman refuses
			}
			var out []Finding
			for _, want := range requiredDrops {
				if contains(caps, want) {
					out = append(out, chainAt(chain, "QM keeps %s", strings.TrimPrefix(want, "CAP_")))
				}
			}
			return out
		})
	},
}

// capabilities is QM's capability set and the chain of the settings that
// decide it (the drops, or the adds when nothing is dropped).
func (v *qmView) capabilities() ([]string, []Link, error) {
	if priv, chain := v.privileged(); priv {
		return podman.AllCapabilities(), chain, nil
	}
	base := defaultCaps
	var chain []Link
	if s, ok := v.conf("containers", "default_capabilities"); ok {
		base = nil
		for _, it := range s.Items() {
			base = append(base, it.Value)
		}
		chain = confChain(s, "")
	}
	adds, drops := v.Podman.Items("cap-add"), v.Podman.Items("cap-drop")
	caps, err := podman.Capabilities(base, adds, drops)
	for _, l := range [][]podman.Item{drops, adds} {
		if len(l) > 0 {
			chain = append(v.occChain(l[len(l)-1].From), chain...)
			break
		}
	}
	if len(chain) == 0 {
		chain = v.execChain()
	}
	return caps, chain, err
}
