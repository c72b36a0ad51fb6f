package check

import "github.com/qm-build/qm-build/rpmspec"

// QM602: nothing in QM's trees is writable by everyone.
var ruleQM602 = Rule{
	ID: "QM602", Severity: Error, Group: GroupHygiene,
	Title: "no world-writable file, nor world-writable directory without the sticky bit, in QM's trees",
	Rationale: "World-writable files in /etc/qm or /var/qm can be changed by any user inside QM and by host processes that " +
		"share the files; QM's writes must stay QM's own ('disk', 'unit files' FFI tests).",
	FFI: []string{"disk", "unit files"},
	Check: func(c *Context) []Finding {
		w, err := c.Walk()
		if err != nil {
			return nil
		}
		var out []Finding
		for _, e := range w.writable {
			what := "file"
			if e.Mode.IsDir() {
				what = "directory without the sticky bit"
			}
			out = append(out, at(e.Path, 0, "world-writable %s (mode %s)", what, rpmspec.OctalMode(e.Mode)))
		}
		return out
	},
}
