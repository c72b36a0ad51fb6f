package check

import "strings"

// requiredDrops are the capabilities QM's quadlet drops (qm-upstream.md §3).
var requiredDrops = []string{"sys_boot", "sys_resource"}

// QM112: QM cannot reboot the host or lift resource limits.
var ruleQM112 = Rule{
	ID: "QM112", Severity: Error, Group: GroupQuadlet,
	Title: "DropCapability= keeps sys_boot and sys_resource",
	Rationale: "CAP_SYS_BOOT would let QM reboot the machine under ASIL software; CAP_SYS_RESOURCE would let it override the " +
		"resource and mqueue limits the 'memory' and 'mqueue' FFI tests rely on.",
	FFI: []string{"memory", "mqueue"},
	Check: func(c *Context) []Finding {
		return c.withQM(func(v *qmView) []Finding {
			entries := v.containerAll("DropCapability")
			dropped := map[string]bool{}
			for _, w := range listWords(entries) {
				dropped[normCap(v.expand(w))] = true
			}
			var out []Finding
			for _, want := range requiredDrops {
				if dropped[want] || dropped["all"] {
					continue
				}
				f := v.missing("Container", "DropCapability", "QM keeps CAP_"+strings.ToUpper(want))
				if len(entries) > 0 {
					last := entries[len(entries)-1]
					f = at(last.File, last.Line, "DropCapability does not drop %s: QM keeps CAP_%s", want, strings.ToUpper(want))
				} else if e, ok := v.Container.LookupEntry("Container", "DropCapability"); ok {
					f = at(e.File, e.Line, "DropCapability= is reset to empty: QM keeps CAP_%s", strings.ToUpper(want))
				}
				out = append(out, f)
			}
			return out
		})
	},
}

// normCap spells a capability the way podman accepts it, lower case without
// the CAP_ prefix.
func normCap(s string) string {
	return strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s)), "cap_")
}
