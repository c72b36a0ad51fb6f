package check

// QM106: QM's root is read-only.
var ruleQM106 = Rule{
	ID: "QM106", Severity: Error, Group: GroupQuadlet,
	Title: "QM runs --read-only, unless the allow file declares writable-qm",
	Rationale: "A read-only root keeps QM from changing its own programs and units (the 'unit files' FFI test expects writes to " +
		"/usr/lib/systemd/system to fail) and limits its writes to the /etc/qm and /var/qm volumes ('disk' FFI test).",
	FFI: []string{"unit files", "disk"},
	Check: func(c *Context) []Finding {
		return c.withQM(func(v *qmView) []Finding {
			ro, chain, set := v.boolSetting("read-only", "read_only")
			switch {
			case c.Policy.WritableQM:
				return nil
			case !set:
				return []Finding{v.missing("no --read-only on QM's command line", "QM's root is writable (ReadOnly=true)")}
			case !ro:
				return []Finding{chainAt(chain, "QM's root is writable (read-only is false; declare writable-qm in the allow file if intended)")}
			}
			return nil
		})
	},
}
