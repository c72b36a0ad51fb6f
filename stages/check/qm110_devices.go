package check

import (
	"path"
	"regexp"
	"strings"
)

// forbiddenDeviceRE matches host devices QM must never get: physical memory
// and I/O ports, the console and the kernel log, and block devices (disks,
// partitions, device-mapper, loop, MMC/NVMe, /dev/disk/*).
var forbiddenDeviceRE = regexp.MustCompile(`^/dev/(mem|kmem|port|console|kmsg|` +
	`(sd|hd|vd|xvd)[a-z]+[0-9]*|nvme[0-9].*|mmcblk[0-9].*|loop[0-9]*|loop-control|dm-[0-9]+|md[0-9]+|sr[0-9]+|` +
	`nbd[0-9]+|zram[0-9]+|ram[0-9]+|mtdblock[0-9]+|mapper(/.*)?|disk(/.*)?|block(/.*)?|cpu(/.*)?)$`)

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
