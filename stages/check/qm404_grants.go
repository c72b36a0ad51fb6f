package check

import (
	"bytes"
	"compress/bzip2"
	"io"
	"path"
	"regexp"

	"github.com/qm-build/qm-build/stages/check/target"
)

// forbiddenGrantRE matches CIL allow rules giving qm_t what QM must never
// have: loading kernel modules, switching SELinux off or loading policy.
var forbiddenGrantRE = regexp.MustCompile(`\(allow\s+qm_t\s+\S+\s+\((capability\s+\([^)]*\bsys_module\b|system\s+\([^)]*\bmodule_load\b|security\s+\([^)]*\b(setenforce|load_policy|setbool)\b)`)

// QM404: the installed qm policy grants no escape.
var ruleQM404 = Rule{
	ID: "QM404", Severity: Error, Group: GroupSELinux,
	Title: "the qm module in the image's policy store lets qm_t neither load kernel modules nor set enforcing mode or load policy",
	Rationale: "QM keeps every capability (AddCapability=all), so SELinux alone stops it: the 'modules' FFI test expects modprobe " +
		"to fail and 'selinux' expects setenforce 0 denied. Checked in the CIL of installed modules; a module only shipped as .pp " +
		"is checked by qm-build's own policy tests.",
	FFI: []string{"modules", "selinux"},
	Check: func(c *Context) []Finding {
		var out []Finding
		for _, m := range c.storeModules() {
			p := path.Join(m, "cil")
			data, err := target.ReadFile(c.FS, p)
			if err != nil {
				continue
			}
			if bytes.HasPrefix(data, []byte("BZh")) {
				if d, err := io.ReadAll(io.LimitReader(bzip2.NewReader(bytes.NewReader(data)), 64<<20)); err == nil {
					data = d
				}
			}
			for _, loc := range forbiddenGrantRE.FindAllIndex(data, -1) {
				line := bytes.Count(data[:loc[0]], []byte("\n")) + 1
				out = append(out, at(p, line, "grants qm_t %s", string(data[loc[0]:loc[1]])))
			}
		}
		return out
	},
}
