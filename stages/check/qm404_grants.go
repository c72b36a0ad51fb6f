package check

import (
	"bytes"
	"compress/bzip2"
	"io"
	"path"
	"sync"

	"github.com/qm-build/qm-build/selinux"
	"github.com/qm-build/qm-build/stages/check/target"
)

// escapeGrants are the permissions qm_t must never hold: switching SELinux
// off or loading policy. Loading kernel modules needs both of moduleGrants.
// Both are built on first use, not at every start of qm-build.
var (
	escapeGrants = sync.OnceValue(func() map[string][]string {
		return map[string][]string{"security": {"setenforce", "load_policy", "setbool"}}
	})
	moduleGrants = sync.OnceValue(func() map[string][]string {
		return map[string][]string{"capability": {"sys_module"}, "system": {"module_load"}}
	})
)

// policyGrants lists what the installed qm modules allow qm_t of the given
// permissions, by "class perm", with where.
func (c *Context) policyGrants(want map[string][]string) map[string][]Finding {
	out := map[string][]Finding{}
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
		for _, g := range selinux.CILGrants(string(data), "qm_t", want) {
			for _, w := range want[g.Class] {
				if g.Perm == w {
					key := g.Class + " " + g.Perm
					out[key] = append(out[key], at(p, g.Line, "%s", clipText(g.Rule, 160)))
				}
			}
		}
	}
	return out
}

// QM404: the installed qm policy grants no escape.
var ruleQM404 = Rule{
	ID: "QM404", Severity: Error, Group: GroupSELinux,
	Title: "the qm module in the image's policy store lets qm_t neither set enforcing mode nor load policy, nor load kernel modules (capability sys_module together with system module_load)",
	Rationale: "QM keeps every capability (AddCapability=all), so SELinux alone stops it: the 'selinux' FFI test expects setenforce 0 " +
		"denied and 'modules' expects modprobe to fail, which takes both the sys_module capability and the module_load " +
		"permission. Checked in the CIL of installed modules; a module only shipped as .pp is checked by qm-build's own policy tests.",
	FFI: []string{"modules", "selinux"},
	Check: func(c *Context) []Finding {
		var out []Finding
		esc := c.policyGrants(escapeGrants())
		for _, k := range []string{"security setenforce", "security load_policy", "security setbool"} {
			for _, f := range esc[k] {
				out = append(out, chainAt([]Link{{f.Path, f.Line, f.Message}}, "grants qm_t %s", k))
			}
		}
		mod := c.policyGrants(moduleGrants())
		caps, loads := mod["capability sys_module"], mod["system module_load"]
		if len(caps) > 0 && len(loads) > 0 {
			out = append(out, chainAt([]Link{{caps[0].Path, caps[0].Line, caps[0].Message}, {loads[0].Path, loads[0].Line, loads[0].Message}},
				"grants qm_t both capability sys_module and system module_load: QM can load kernel modules"))
		}
		return out
	},
}

// QM407: hardening advice on module loading.
var ruleQM407 = Rule{
	ID: "QM407", Severity: Warning, Group: GroupSELinux,
	Title: "the qm module grants qm_t neither capability sys_module nor system module_load (one alone does not load modules)",
	Rationale: "Loading a kernel module needs both the sys_module capability and the module_load permission; a policy that grants " +
		"one of them (upstream grants module_load through all_system_perms) still keeps the 'modules' FFI test passing, but one " +
		"more grant would break it: hardening advice, not an escape.",
	FFI: []string{"modules"},
	Check: func(c *Context) []Finding {
		mod := c.policyGrants(moduleGrants())
		caps, loads := mod["capability sys_module"], mod["system module_load"]
		var one []Finding
		switch {
		case len(caps) > 0 && len(loads) == 0:
			one = caps
		case len(loads) > 0 && len(caps) == 0:
			one = loads
		}
		var out []Finding
		for _, f := range one {
			what := "system module_load"
			if len(caps) > 0 {
				what = "capability sys_module"
			}
			out = append(out, chainAt([]Link{{f.Path, f.Line, f.Message}}, "grants qm_t %s (without %s QM still cannot load modules)", what, otherGrant(what)))
		}
		return out
	},
}

func otherGrant(what string) string {
	if what == "system module_load" {
		return "capability sys_module"
	}
	return "system module_load"
}
