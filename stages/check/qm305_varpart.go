package check

import (
	"bufio"
	"bytes"
	"path"
	"strings"

	"github.com/qm-build/qm-build/rootfs/systemd"
	"github.com/qm-build/qm-build/rootfs/unitfile"
	"github.com/qm-build/qm-build/stages/check/target"
)

// QM305: when /var/qm is a partition, QM waits for it.
var ruleQM305 = Rule{
	ID: "QM305", Severity: Error, Group: GroupResources,
	Title: "when the image mounts /var/qm separately (fstab or var-qm.mount), qm.service requires it (RequiresMountsFor= under /var/qm, in the generated unit too)",
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
				words, _ := unitfile.SplitWords(e.Value, unitfile.SplitUnquote|unitfile.SplitCUnescape|unitfile.SplitRelax)
				for _, p := range words {
					if under(path.Clean(systemd.Specifiers(p, qmService)), qmVar) {
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
			return []Finding{chainAt([]Link{{Path: where, Note: "mounts " + qmVar}, {Path: v.Unit.Fragment, Note: "qm.service as systemd loads it: no RequiresMountsFor= under " + qmVar}},
				"%s mounts %s, but qm.service has no RequiresMountsFor=%s: QM may start on the host's /var", where, qmVar, qmVar)}
		})
	},
}

// varQMMount names the file that mounts /var/qm separately, or "".
func (c *Context) varQMMount() string {
	l := &systemd.Lookup{FS: c.imageFS()}
	if u := l.Find("var-qm.mount"); u.Fragment != "" && !u.Masked {
		return u.Fragment
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
