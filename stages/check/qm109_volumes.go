package check

import (
	"path"
	"strings"
)

// sensitiveHostPaths are host paths QM must never mount: the host's root and
// system trees, the kernel's interfaces, container runtime state and sockets,
// and the journal (the list; qm-upstream.md §9 'sockets').
var sensitiveHostPaths = []string{
	"/", "/etc", "/usr", "/boot", "/run", "/var/run", "/sys", "/proc", "/dev",
	"/var/lib/containers", "/run/containers", "/run/podman", "/var/run/podman",
	"/run/docker.sock", "/var/run/docker.sock", "/run/containerd", "/run/crio",
	"/run/systemd", "/run/systemd/journal", "/var/log/journal", "/run/log/journal",
	"/run/udev", "/run/dbus", "/var/run/dbus", "/root", "/home",
}

// QM109: QM mounts only its own trees and the BlueChi socket.
var ruleQM109 = Rule{
	ID: "QM109", Severity: Error, Group: GroupQuadlet,
	Title: "QM's volumes and mounts use only QM's paths (/etc/qm, /var/qm), the BlueChi socket, and allowed volumes",
	Rationale: "A host path mounted into QM lets QM read or write what ASIL software uses, whether Volume=, Mount=, PodmanArgs, " +
		"a qm.service drop-in or the host's containers.conf mounts it: the 'not visible' FFI test expects host files hidden, " +
		"'sockets' expects the journal and /run/udev/control out of reach, '/sys' a read-only /sys, 'disk' that QM fills only " +
		"/var/qm, 'agent-flood' that the BlueChi socket comes only through its declared drop-in, 'devices' that no /dev is mounted.",
	FFI: []string{"not visible", "sockets", "/sys", "disk", "agent-flood", "devices"},
	Check: func(c *Context) []Finding {
		return c.withQM(func(v *qmView) []Finding {
			var out []Finding
			for _, m := range v.mounts() {
				var why string
				switch m.Type {
				case "bind", "glob":
					why = c.volumeProblem(m.Source)
				case "volume":
					why = c.volumeProblem(m.Source)
				default:
					continue // tmpfs, devpts, ramfs, image and artifact mounts hold no host path
				}
				if why != "" {
					out = append(out, chainAt(m.Chain, "%s %s %s", m.Via, m.Raw, why))
				}
			}
			return out
		})
	},
}

// volumeProblem says what is wrong with mounting host path src into QM, or "".
func (c *Context) volumeProblem(src string) string {
	if src == "" {
		return "mounts an anonymous volume in the host's container storage"
	}
	if !strings.HasPrefix(src, "/") {
		return "mounts the named volume " + src + " from the host's container storage, shared with host containers"
	}
	p := path.Clean(src)
	if under(p, qmEtc) || under(p, qmVar) || p == bluechiHostSocket || contains(c.Policy.Volumes, p) {
		return ""
	}
	for _, s := range sensitiveHostPaths {
		if p == s || (s != "/" && under(p, s)) {
			return "mounts the sensitive host path " + p
		}
	}
	return "mounts the host path " + p + ", which is not one of QM's paths (declare it with volume in the allow file if intended)"
}
