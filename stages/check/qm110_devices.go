package check

import (
	"path"
	"strings"

	"github.com/qm-build/qm-build/rootfs"
)

// forbiddenDeviceRE matches host devices QM must never get: the table
// rootfs.ForbiddenDevices, which the front ends refuse up front too.
var forbiddenDeviceRE = rootfs.ForbiddenDevicesRE()

// QM110: QM gets no dangerous host device.
var ruleQM110 = Rule{
	ID: "QM110", Severity: Error, Group: GroupQuadlet,
	Title: "AddDevice= gives QM no /dev/mem, /dev/kmem, /dev/port, /dev/console, /dev/kmsg, block device or /dev/disk/*",
	Rationale: "These devices reach host memory, the kernel log and the disks ASIL software uses; the 'devices' FFI test expects " +
		"/dev/mem, /dev/console, /dev/disk and /dev/kmsg absent inside QM.",
	FFI: []string{"devices"},
	Check: func(c *Context) []Finding {
		return c.withQM(func(v *qmView) []Finding {
			var out []Finding
			for _, e := range v.containerAll("AddDevice") {
				dev := deviceHostPath(v.expand(e.Value))
				if dev == "/dev" || forbiddenDeviceRE.MatchString(dev) {
					out = append(out, at(e.File, e.Line, "AddDevice=%s gives QM the host device %s", e.Value, dev))
				}
			}
			return out
		})
	},
}

// deviceHostPath is the host side of an AddDevice value
// ("-/dev/kvm", "/dev/a:/dev/b:rwm").
func deviceHostPath(v string) string {
	v = strings.TrimPrefix(strings.TrimSpace(v), "-")
	host, _, _ := strings.Cut(v, ":")
	if host == "" {
		return host
	}
	return path.Clean(host)
}
