package check

import (
	"bufio"
	"bytes"
	"path"
	"strings"

	"github.com/qm-build/qm-build/stages/check/target"
)

// QM305: when /var/qm is a partition, QM waits for it.
var ruleQM305 = Rule{
	ID: "QM305", Severity: Error, Group: GroupResources,
	Title: "when the image mounts /var/qm separately (fstab or var-qm.mount), QM has RequiresMountsFor=/var/qm",
	Rationale: "The 'disk' FFI test lets QM fill /var/qm and expects the host to still allocate; that holds when /var/qm is its " +
		"own partition, and only if QM starts after it is mounted instead of writing into the host's /var.",
	FFI: []string{"disk"},
	Check: func(c *Context) []Finding {
		where := c.varQMMount()
		if where == "" {
			return nil
		}
		return c.withQM(func(v *qmView) []Finding {
			for _, e := range v.Service.LookupAllEntries("Unit", "RequiresMountsFor") {
				for _, p := range strings.Fields(e.Value) {
					if path.Clean(v.expand(p)) == qmVar {
						return nil
					}
				}
			}
			for _, key := range []string{"Requires", "BindsTo"} {
				for _, e := range v.Service.LookupAllEntries("Unit", key) {
					if strings.Contains(e.Value, "var-qm.mount") {
						return nil
					}
				}
			}
			return []Finding{at(v.Path, 0, "%s mounts %s, but QM has no RequiresMountsFor=%s: it may start on the host's /var", where, qmVar, qmVar)}
		})
	},
}

// varQMMount names the file that mounts /var/qm separately, or "".
func (c *Context) varQMMount() string {
	for _, d := range systemdDirs {
		if p := path.Join(d, "var-qm.mount"); target.Exists(c.FS, p) {
			return p
		}
	}
	data, err := target.ReadFile(c.FS, "/etc/fstab")
	if err != nil {
		return ""
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && !strings.HasPrefix(f[0], "#") && path.Clean(f[1]) == qmVar {
			return "/etc/fstab"
		}
	}
	return ""
}
