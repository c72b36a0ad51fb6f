package check

// QM115: the packaged qm.container is the one quadlet reads.
var ruleQM115 = Rule{
	ID: "QM115", Severity: Warning, Group: GroupQuadlet,
	Title: "no qm.container in /etc (or a quadlet subdirectory read first) shadows the packaged one; changes go in drop-ins",
	Rationale: "Quadlet reads /etc/containers/systemd before /usr/share: a whole qm.container there hides every packaged " +
		"setting and every update of them, so QM's isolation then rests on a hand-written copy (upstream QM advises drop-ins).",
	FFI: []string{"all"},
	Check: func(c *Context) []Finding {
		v := c.QM()
		var out []Finding
		for _, s := range v.Shadowed {
			out = append(out, at(v.Path, 0, "shadows %s: quadlet ignores the packaged unit; put changes in a qm.container.d drop-in", s))
		}
		return out
	},
}
