package rootfs

import (
	"bytes"

	"github.com/BurntSushi/toml"

	"github.com/qm-build/qm-build/rootfs/quadlet"
	"github.com/qm-build/qm-build/rpmspec"
)

// QuadletDevicesDropin renders the quadlet drop-in through which a drop-in
// package adds its devices and annotations to QM (quadlet.DevicesDropin).
// The leading '-' of AddDevice makes each device optional: quadlet skips it
// when the host lacks it.
func QuadletDevicesDropin(d *rpmspec.Dropin) []byte {
	var annotations []string
	for _, a := range d.Annotations {
		annotations = append(annotations, a.String())
	}
	return quadlet.DevicesDropin(d.PackageName(), d.Devices.QM, annotations).Bytes()
}

// NestedDevicesConf renders the containers.conf drop-in through which a
// drop-in package passes devices on to the containers nested in QM
// (containers.conf(5), [containers] devices, "HOST:CONTAINER" each).
func NestedDevicesConf(pkg string, devices []string) []byte {
	var c struct {
		Containers struct {
			Devices []string `toml:"devices"`
		} `toml:"containers"`
	}
	for _, d := range devices {
		c.Containers.Devices = append(c.Containers.Devices, d+":"+d)
	}
	return tomlFile("From "+pkg+": devices for containers nested in QM.", c)
}

// tomlFile renders v as TOML (containers.conf(5), storage.conf(5)) under a
// comment line. The encoder writes struct fields in declaration order, so the
// output is deterministic.
func tomlFile(comment string, v any) []byte {
	var b bytes.Buffer
	b.WriteString("# " + comment + "\n\n")
	enc := toml.NewEncoder(&b)
	enc.Indent = ""
	if err := enc.Encode(v); err != nil {
		// Only programming errors (an unencodable type) get here.
		panic("rootfs: encoding TOML: " + err.Error())
	}
	return b.Bytes()
}
