package check

// QM802: every package is signed by a key of the keyring.
var ruleQM802 = Rule{
	ID: "QM802", Severity: Error, Group: GroupPackages, Scope: ScopePackages,
	Title: "every RPM's signature verifies against --keyring (when given)",
	Rationale: "A signature proves who built QM's packages; an image built from unsigned or foreign-signed packages may carry " +
		"any quadlet and policy (all FFI tests).",
	FFI: []string{"all"},
	Check: func(c *Context) []Finding {
		if c.Keyring == nil {
			return nil
		}
		var out []Finding
		for _, r := range c.rpms {
			if r.DigestErr == nil && r.SigErr != nil {
				out = append(out, at(r.File, 0, "signature does not verify against the keyring: %v", r.SigErr))
			}
		}
		return out
	},
}
