package check

// QM801: every package is as it was built.
var ruleQM801 = Rule{
	ID: "QM801", Severity: Error, Group: GroupPackages, Scope: ScopePackages,
	Title: "every RPM's header and payload digests verify",
	Rationale: "A package whose digests do not verify was changed after it was built: none of the settings the image rules " +
		"check can be trusted to be the ones installed (all FFI tests).",
	FFI: []string{"all"},
	Check: func(c *Context) []Finding {
		var out []Finding
		for _, r := range c.rpms {
			if r.DigestErr != nil {
				out = append(out, at(r.File, 0, "digest does not verify: %v", r.DigestErr))
			}
		}
		return out
	},
}
