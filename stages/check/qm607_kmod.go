package check

// QM607: QM's rootfs has no kernel modules.
var ruleQM607 = Rule{
	ID: "QM607", Severity: Error, Group: GroupHygiene,
	Title: "QM's rootfs holds no kernel module (*.ko, *.ko.xz, *.ko.zst, *.ko.gz)",
	Rationale: "QM keeps CAP_SYS_MODULE through AddCapability=all; the 'modules' FFI test expects modprobe to fail. Modules in " +
		"QM's root are the first thing such an attempt would load.",
	FFI: []string{"modules"},
	Check: func(c *Context) []Finding {
		w, err := c.Walk()
		if err != nil {
			return nil
		}
		var out []Finding
		for _, e := range w.kmodules {
			out = append(out, at(e.Path, 0, "kernel module in QM's rootfs"))
		}
		return out
	},
}
