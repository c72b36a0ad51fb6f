package check

import (
	"path"
	"strings"
)

// QM605: symlinks in QM's writable trees do not lead into the host.
var ruleQM605 = Rule{
	ID: "QM605", Severity: Error, Group: GroupHygiene,
	Title: "no symlink in /etc/qm or /var/qm points at a host path",
	Rationale: "Host processes (rpm installing QM's %config files, restorecon, backups) follow links in /etc/qm and /var/qm on " +
		"the host: a link to /etc or /run, or a relative link climbing out of QM's tree, makes them read or write host files " +
		"('not visible', 'unit files' FFI tests). Links into /usr, which QM sees as its rootfs's /usr, are fine.",
	FFI: []string{"not visible", "unit files"},
	Check: func(c *Context) []Finding {
		w, err := c.Walk()
		if err != nil {
			return nil
		}
		var out []Finding
		for _, e := range w.symlinks {
			if contains(c.Policy.Symlinks, e.Path) {
				continue
			}
			if why := hostLink(e.Path, e.Link); why != "" {
				out = append(out, at(e.Path, 0, "-> %s %s", e.Link, why))
			}
		}
		return out
	},
}

// hostLink says how a link in /etc/qm or /var/qm reaches the host, or "".
func hostLink(p, target string) string {
	tree := qmEtc
	if under(p, qmVar) {
		tree = qmVar
	}
	if !strings.HasPrefix(target, "/") {
		resolved := path.Join(path.Dir(p), target)
		if !under(resolved, tree) {
			return "climbs out of " + tree + " to the host path " + resolved
		}
		return ""
	}
	t := path.Clean(target)
	for _, ok := range []string{"/usr", "/bin", "/sbin", "/lib", "/lib64"} {
		if under(t, ok) && !under(t, qmUsrLib) {
			return ""
		}
	}
	return "points at the host path " + t
}
