package check

// QM106: QM's root is read-only.
var ruleQM106 = Rule{
	ID: "QM106", Severity: Error, Group: GroupQuadlet,
	Title: "ReadOnly=true, unless the allow file declares writable-qm",
	Rationale: "A read-only root keeps QM from changing its own programs and units (the 'unit files' FFI test expects writes to " +
		"/usr/lib/systemd/system to fail) and limits its writes to the /etc/qm and /var/qm volumes ('disk' FFI test).",
	FFI: []string{"unit files", "disk"},
	Check: func(c *Context) []Finding {
		return c.withQM(func(v *qmView) []Finding {
			e, ok := v.container("ReadOnly")
			if !ok {
				if c.Policy.WritableQM {
					return nil
				}
				return []Finding{v.missing("Container", "ReadOnly", "QM's root is writable")}
			}
			b, isBool := parseBool(e.Value)
			switch {
			case !isBool:
				return []Finding{at(e.File, e.Line, "ReadOnly=%s is not a boolean", e.Value)}
			case !b && !c.Policy.WritableQM:
				return []Finding{at(e.File, e.Line, "ReadOnly=%s: QM's root is writable (declare writable-qm in the allow file if intended)", e.Value)}
			}
			return nil
		})
	},
}
