package check

import (
	"path"
	"strings"

	"github.com/qm-build/qm-build/rootfs/quadlet"
	"github.com/qm-build/qm-build/rpmspec"
)

// QM111: every device QM gets is declared.
var ruleQM111 = Rule{
	ID: "QM111", Severity: Error, Group: GroupQuadlet,
	Title: "every device QM gets is QM's default, declared by an installed drop-in, granted by QM's own OCI hooks for a known annotation, or allowed",
	Rationale: "QM's device list is an allow-list: the devices of the packaged unit (qm-build's or upstream's), those each " +
		"installed drop-in package declares (/usr/share/qm/dropins/*.json, or upstream's qm_dropin_mount_bind_<x>.conf with the " +
		"devices of qm-build's catalog entry for it), those QM's device hooks grant for the annotations in their table, and those " +
		"the allow file names; anything else reaches host hardware unreviewed ('devices' FFI test). A declaration of a " +
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
			for _, d := range v.devices() {
				if why := c.undeclared(d); why != "" {
					res = append(res, chainAt(d.Chain, "%s", why))
				}
			}
			return res
		})...)
	},
}

// undeclared says why a device grant is not declared, or "".
func (c *Context) undeclared(d deviceFact) string {
	switch d.Kind {
	case "hook":
		return ""
	case "annotation":
		return "QM's device hook acts on the annotation " + d.Host + ", which its table does not know: what it grants cannot be judged"
	case "cdi":
		if contains(c.Policy.Devices, d.Host) {
			return ""
		}
		return "CDI device " + d.Host + ": the host's CDI specification decides what QM gets; not declared or allowed"
	case "cgroup-rule":
		if forbiddenCgroupRule(d.Host) != "" {
			return "" // QM110
		}
		return "device cgroup rule " + d.Host + " lets QM use devices no drop-in declares"
	}
	dev := d.Host
	if dev == "/dev" || forbiddenDeviceRE().MatchString(dev) {
		return "" // QM110 reports these
	}
	origin := ""
	if len(d.Chain) > 0 {
		origin = d.Chain[0].Path
	}
	if c.deviceAllowed(dev, origin) {
		return ""
	}
	return dev + " is not a QM default, not declared by an installed drop-in, and not allowed"
}

// baseDevices are the devices of QM's base quadlet (the model).
func baseDevices() []string {
	var out []string
	for _, d := range quadlet.QM("").AddDevice {
		out = append(out, path.Clean(strings.TrimPrefix(d, "-")))
	}
	return out
}

// deviceAllowed decides a device from origin (the file of the assignment
// that grants it).
func (c *Context) deviceAllowed(dev, origin string) bool {
	switch {
	case contains(baseDevices(), dev):
		return true
	case origin == rpmspec.QuadletPath && contains(quadlet.UpstreamDevices(), dev):
		return true
	case c.Declarations().declaredDevice(dev) != "":
		return true
	case contains(c.upstreamDropinDevices(origin), dev):
		return true
	}
	for _, d := range c.Policy.Devices {
		if path.Clean(d) == dev {
			return true
		}
	}
	return false
}

// upstreamDropinDevices are the devices of the catalog drop-in that a quadlet
// drop-in named as upstream QM names its packaged ones
// (qm_dropin_mount_bind_<x>.conf for the legacy package qm_mount_bind_<x>).
func (c *Context) upstreamDropinDevices(file string) []string {
	if !strings.Contains(file, ".container.d/") {
		return nil
	}
	base := strings.TrimSuffix(path.Base(file), ".conf")
	rest, ok := strings.CutPrefix(base, "qm_dropin_")
	cat := c.catalog()
	if !ok || cat == nil {
		return nil
	}
	for _, d := range cat.All() {
		for _, l := range d.Legacy {
			if l == "qm_"+rest {
				return d.Devices.QM
			}
		}
	}
	return nil
}
