package check

import (
	"strings"
)

// QM119: the OCI hooks that run for QM are QM's own.
var ruleQM119 = Rule{
	ID: "QM119", Severity: Error, Group: GroupQuadlet,
	Title: "every OCI hook podman runs for QM is one of QM's device hooks (keyed on org.containers.qm.* annotations) or allowed",
	Rationale: "A hook runs on the host, as root, before QM starts, and may change QM's configuration: a hook that matches QM " +
		"by always, hasBindMounts, commands or a foreign annotation can give QM devices and mounts no drop-in declares " +
		"('devices', 'not visible' FFI tests). QM's own hooks grant only what their annotation table says (QM111).",
	FFI: []string{"devices", "not visible"},
	Check: func(c *Context) []Finding {
		return c.withQM(func(v *qmView) []Finding {
			var out []Finding
			for _, m := range v.matchedHooks() {
				if m.Hook.KeyedOnQM() || contains(c.Policy.Hooks, m.Hook.Name) {
					continue
				}
				out = append(out, chainAt([]Link{{Path: m.Hook.File, Note: "hook " + m.Hook.Program + " for stages " + strings.Join(m.Hook.Stages, ", ")}},
					"this hook runs for QM (its conditions match QM's container) and is not one of QM's device hooks; declare it with hook %s in the allow file if intended", m.Hook.Name))
			}
			return out
		})
	},
}
