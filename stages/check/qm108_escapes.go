package check

// QM108: nothing on QM's command line or in podman's configuration escapes
// its confinement.
var ruleQM108 = Rule{
	ID: "QM108", Severity: Error, Group: GroupQuadlet,
	Title: "QM is not privileged, keeps SELinux labelling, no host PID/IPC/UTS/user/cgroup namespace, nothing unmasked",
	Rationale: "--privileged, label=disable (or containers.conf label=false), host PID/IPC/UTS/user/cgroup namespaces and unmasked " +
		"/proc or /sys undo QM's isolation, from the quadlet, PodmanArgs, a qm.service drop-in or the host's containers.conf alike: " +
		"the 'sysctl' and '/sys' FFI tests expect sysctl writes denied and /sys read-only, 'selinux' expects qm_t, 'sockets' and " +
		"'not visible' expect host processes and files hidden.",
	FFI: []string{"sysctl", "/sys", "selinux", "sockets", "not visible"},
	Check: func(c *Context) []Finding {
		return c.withQM(func(v *qmView) []Finding {
			var out []Finding
			if priv, chain := v.privileged(); priv {
				out = append(out, chainAt(chain, "QM runs privileged: every device and capability, no SELinux separation, /proc and /sys unmasked"))
			}
			sec := v.f().sec
			if sec.LabelDisable != nil {
				out = append(out, chainAt(v.occChain(sec.LabelDisable.From), "label=disable turns SELinux confinement off for QM"))
			}
			if s, ok := v.conf("containers", "label"); ok {
				if b, _ := s.Value.(bool); !b {
					out = append(out, chainAt(confChain(s, " = false"), "containers.conf turns SELinux labelling off for every container, QM included"))
				}
			}
			for _, ns := range namespaceFlags[1:] {
				if n := v.namespace(ns[0], ns[1]); n.Set && hostShared(n.Value) {
					out = append(out, chainAt(n.Chain, "%s namespace %s: QM shares it with the host or another container", ns[0], n.Value))
				}
			}
			for _, it := range sec.Unmask {
				out = append(out, chainAt(v.occChain(it.From), "%s exposes masked /proc and /sys paths to QM", it.Value))
			}
			for _, it := range v.items("volumes-from") {
				out = append(out, chainAt(it.Chain, "--volumes-from %s mounts another container's volumes into QM", it.Value))
			}
			return out
		})
	},
}
