package check

import "io/fs"

// QM603: QM's trees hold no device nodes.
var ruleQM603 = Rule{
	ID: "QM603", Severity: Error, Group: GroupHygiene,
	Title: "no device node in QM's trees",
	Rationale: "A device node in QM's root gives QM a host device without AddDevice= and without review; the 'devices' FFI " +
		"test expects only the allow-listed devices inside QM (podman fills /dev itself).",
	FFI: []string{"devices"},
	Check: func(c *Context) []Finding {
		w, err := c.Walk()
		if err != nil {
			return nil
		}
		var out []Finding
		for _, e := range w.devices {
			kind := "block"
			if e.Mode&fs.ModeCharDevice != 0 {
				kind = "character"
			}
			out = append(out, at(e.Path, 0, "is a %s device node", kind))
		}
		return out
	},
}
