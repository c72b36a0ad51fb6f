package check

import "strings"

// QM108: nothing in QM's quadlet escapes its confinement.
var ruleQM108 = Rule{
	ID: "QM108", Severity: Error, Group: GroupQuadlet,
	Title: "no PodmanArgs, GlobalArgs or quadlet key escapes confinement (privileged, label=disable, host namespaces, unmask)",
	Rationale: "--privileged, label=disable, host PID/IPC/UTS/user/cgroup namespaces and unmasked /proc or /sys undo QM's isolation: " +
		"the 'sysctl' and '/sys' FFI tests expect sysctl writes denied and /sys read-only, 'selinux' expects qm_t, 'sockets' and " +
		"'not visible' expect host processes and files hidden. Devices, volumes and mounts passed as podman arguments bypass the checked keys ('devices').",
	FFI: []string{"sysctl", "/sys", "selinux", "sockets", "not visible", "devices"},
	Check: func(c *Context) []Finding {
		return c.withQM(func(v *qmView) []Finding {
			var out []Finding
			for _, key := range []string{"PodmanArgs", "GlobalArgs"} {
				for _, e := range v.containerAll(key) {
					if why := escapingArgs(splitWords(v.expand(e.Value))); why != "" {
						out = append(out, at(e.File, e.Line, "%s=%s: %s", key, e.Value, why))
					}
				}
			}
			out = append(out, escapingKeys(v)...)
			return out
		})
	},
}

// escapingKeys checks the quadlet keys that weaken confinement
// (podman-systemd.unit(5)).
func escapingKeys(v *qmView) []Finding {
	var out []Finding
	for _, e := range v.containerAll("Unmask") {
		out = append(out, at(e.File, e.Line, "Unmask=%s exposes masked /proc and /sys paths to QM", e.Value))
	}
	if e, ok := v.container("SecurityLabelDisable"); ok {
		if b, _ := parseBool(e.Value); b {
			out = append(out, at(e.File, e.Line, "SecurityLabelDisable=%s runs QM without SELinux confinement", e.Value))
		}
	}
	if e, ok := v.container("UserNS"); ok && strings.HasPrefix(e.Value, "host") {
		out = append(out, at(e.File, e.Line, "UserNS=%s shares the host's user namespace", e.Value))
	}
	return out
}

// escapingArgs reports the first podman argument that escapes confinement,
// in either "--opt=value" or "--opt value" form.
func escapingArgs(words []string) string {
	for i := 0; i < len(words); i++ {
		opt, val, hasVal := strings.Cut(words[i], "=")
		next := func() string {
			if hasVal {
				return val
			}
			if i+1 < len(words) {
				return words[i+1]
			}
			return ""
		}
		switch opt {
		case "--privileged":
			if !hasVal || val == "true" {
				return "--privileged gives QM every device and capability and disables SELinux separation"
			}
		case "--pid", "--ipc", "--uts", "--userns", "--cgroupns", "--network", "--net":
			if v := next(); v == "host" || strings.HasPrefix(v, "host:") || strings.HasPrefix(v, "ns:") || strings.HasPrefix(v, "container:") {
				return opt + "=" + v + " shares a namespace with the host"
			}
		case "--security-opt":
			v := next()
			switch {
			case v == "label=disable" || v == "label:disable":
				return "--security-opt " + v + " turns SELinux confinement off"
			case strings.HasPrefix(v, "unmask"):
				return "--security-opt " + v + " exposes masked /proc and /sys paths"
			case strings.HasPrefix(v, "seccomp=unconfined") || strings.HasPrefix(v, "seccomp:unconfined"):
				return "--security-opt " + v + " drops the seccomp profile"
			case strings.HasPrefix(v, "label=type:") && !strings.HasSuffix(v, ":qm_t"):
				return "--security-opt " + v + " runs QM in another SELinux domain"
			}
		case "--device", "-v", "--volume", "--mount", "--add-host-device":
			return opt + " bypasses the AddDevice=/Volume= checks"
		case "--cap-add":
			if v := strings.ToLower(next()); strings.Contains(v, "sys_boot") || strings.Contains(v, "sys_resource") {
				return "--cap-add " + v + " gives back a capability QM drops"
			}
		}
	}
	return ""
}
