package check

import (
	"strings"
	"sync"

	"github.com/qm-build/qm-build/rootfs"
)

// forbiddenDeviceRE matches host devices QM must never get: the table
// rootfs.ForbiddenDevices, which the front ends refuse up front too.
var forbiddenDeviceRE = sync.OnceValue(rootfs.ForbiddenDevicesRE)

// QM110: QM gets no dangerous host device.
var ruleQM110 = Rule{
	ID: "QM110", Severity: Error, Group: GroupQuadlet,
	Title: "QM gets no /dev/mem, /dev/kmem, /dev/port, /dev/console, /dev/kmsg, block, SCSI generic, flash, watchdog, uinput or CPU device, by any path",
	Rationale: "These devices reach host memory, the kernel log, the disks and flash ASIL software uses, the watchdog and the " +
		"input stack; the 'devices' FFI test expects /dev/mem, /dev/console, /dev/disk and /dev/kmsg absent inside QM. A device " +
		"counts however it is granted: AddDevice=, PodmanArgs --device, containers.conf devices, or a device cgroup rule " +
		"(QM keeps CAP_MKNOD, so a rule is as good as the node).",
	FFI: []string{"devices"},
	Check: func(c *Context) []Finding {
		return c.withQM(func(v *qmView) []Finding {
			var out []Finding
			for _, d := range v.devices() {
				switch d.Kind {
				case "device":
					if d.Host == "/dev" || forbiddenDeviceRE().MatchString(d.Host) {
						out = append(out, chainAt(d.Chain, "QM gets the host device %s", d.Host))
					}
				case "cgroup-rule":
					if why := forbiddenCgroupRule(d.Host); why != "" {
						out = append(out, chainAt(d.Chain, "device cgroup rule %q lets QM use %s", d.Host, why))
					}
				}
			}
			return out
		})
	},
}

// forbiddenCgroupRule says which forbidden devices a device cgroup rule
// ("TYPE MAJOR:MINOR ACCESS") opens, or "".
func forbiddenCgroupRule(rule string) string {
	f := strings.Fields(rule)
	if len(f) < 2 {
		return "devices podman cannot parse"
	}
	typ := f[0]
	major, minor, _ := strings.Cut(f[1], ":")
	switch {
	case typ == "a":
		return "every device"
	case typ == "b":
		return "host block devices"
	case major == "*":
		return "every character device"
	}
	for _, d := range forbiddenCharDevices {
		if major == d.major && (d.minor == "*" || minor == "*" || minor == d.minor) {
			return d.name
		}
	}
	return ""
}

// forbiddenCharDevices are the character devices of rootfs.ForbiddenDevices
// by number (Linux's Documentation/admin-guide/devices.txt).
var forbiddenCharDevices = []struct{ major, minor, name string }{
	{"1", "1", "/dev/mem"}, {"1", "2", "/dev/kmem"}, {"1", "4", "/dev/port"}, {"1", "11", "/dev/kmsg"},
	{"5", "1", "/dev/console"}, {"10", "130", "/dev/watchdog"}, {"10", "223", "/dev/uinput"},
	{"21", "*", "/dev/sg*"}, {"90", "*", "/dev/mtd*"}, {"202", "*", "/dev/cpu/*/msr"}, {"203", "*", "/dev/cpu/*/cpuid"},
}
