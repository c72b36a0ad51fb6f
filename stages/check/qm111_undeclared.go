package check

import (
	"path"
	"strings"

	"github.com/qm-build/qm-build/rootfs/quadlet"
)

// QM111: every device QM gets is declared.
var ruleQM111 = Rule{
	ID: "QM111", Severity: Error, Group: GroupQuadlet,
	Title: "every AddDevice= is QM's default, declared by an installed drop-in (/usr/share/qm/dropins/*.json), or allowed",
	Rationale: "QM's device list is an allow-list: the base unit's devices, those each installed drop-in package declares, and " +
		"those the allow file names; anything else reaches host hardware unreviewed ('devices' FFI test). A declaration of a " +
		"built-in drop-in must match qm-build's catalog.",
	FFI: []string{"devices"},
	Check: func(c *Context) []Finding {
		decls := c.Declarations()
		out := append([]Finding(nil), decls.problems...)
		for _, d := range decls.list {
			want, known := c.catalogDevices(d.Name)
			if !known {
				continue
			}
			for _, dev := range d.QMDevices {
				if !contains(want, dev) {
					out = append(out, at(d.Path, 0, "declares device %s, which qm-build's drop-in %s does not have", dev, d.Name))
				}
			}
		}
		return append(out, c.withQM(func(v *qmView) []Finding {
			var res []Finding
			for _, e := range v.containerAll("AddDevice") {
				dev := deviceHostPath(v.expand(e.Value))
				if dev == "/dev" || forbiddenDeviceRE.MatchString(dev) {
					continue // QM110 reports these
				}
				if !c.deviceAllowed(dev) {
					res = append(res, at(e.File, e.Line, "AddDevice=%s: %s is not a QM default, not declared by an installed drop-in, and not allowed", e.Value, dev))
				}
			}
			return res
		})...)
	},
}

// baseDevices are the devices of QM's base quadlet (the model).
func baseDevices() []string {
	var out []string
	for _, d := range quadlet.QM("").AddDevice {
		out = append(out, path.Clean(strings.TrimPrefix(d, "-")))
	}
	return out
}

func (c *Context) deviceAllowed(dev string) bool {
	if contains(baseDevices(), dev) || c.Declarations().declaredDevice(dev) != "" {
		return true
	}
	for _, d := range c.Policy.Devices {
		if path.Clean(d) == dev {
			return true
		}
	}
	return false
}
