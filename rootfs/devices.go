package rootfs

import (
	"fmt"
	"strings"
)

// QuadletDevicesDropin renders the quadlet drop-in through which a drop-in
// package adds its devices to QM. The leading '-' of AddDevice makes each
// device optional: quadlet skips it when the host lacks it.
func QuadletDevicesDropin(name string, devices []string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# From qm-%s: devices for the QM container (AddDevice=-: optional).\n[Container]\n", name)
	for _, d := range devices {
		fmt.Fprintf(&b, "AddDevice=-%s\n", d)
	}
	return []byte(b.String())
}

// NestedDevicesConf renders the containers.conf drop-in through which a
// drop-in package passes devices on to the containers nested in QM.
func NestedDevicesConf(name string, devices []string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# From qm-%s: devices for containers nested in QM.\n[containers]\ndevices = [\n", name)
	for _, d := range devices {
		fmt.Fprintf(&b, "  %q,\n", d+":"+d)
	}
	b.WriteString("]\n")
	return []byte(b.String())
}
