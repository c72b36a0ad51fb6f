package check

import (
	"github.com/qm-build/qm-build/rootfs/kargs"
	"github.com/qm-build/qm-build/selinux"
	"github.com/qm-build/qm-build/stages/check/target"
)

// QM405: the host runs SELinux enforcing.
var ruleQM405 = Rule{
	ID: "QM405", Severity: Error, Group: GroupSELinux,
	Title: "the image boots SELinux enforcing: /etc/selinux/config and every kernel command line it sets (kernel-install, bootc kargs.d, /etc/default/grub, boot entries)",
	Rationale: "Every QM confinement rule rests on the qm policy being enforced: a permissive or disabled host lets qm_t do " +
		"what the policy denies ('selinux' FFI test: setenforce 0 denied; 'modules', 'devices', 'not visible' rely on the " +
		"policy). The kernel's enforcing= and selinux= override the config file, so each place that sets them is checked.",
	FFI: []string{"selinux", "modules", "devices", "not visible"},
	Check: func(c *Context) []Finding {
		var out []Finding
		if data, err := target.ReadFile(c.FS, "/etc/selinux/config"); err == nil {
			cfg := selinux.ParseConfig(data)
			switch cfg.Mode {
			case "permissive", "disabled":
				out = append(out, at("/etc/selinux/config", cfg.ModeLine, "SELINUX=%s: the host does not enforce the qm policy", cfg.Mode))
			}
		}
		srcs, problems := kargs.Sources(c.imageFS(), c.Arch)
		for _, p := range problems {
			out = append(out, at(p.Path, p.Line, "%s", p.Msg))
		}
		for _, s := range srcs {
			mode, by := kargs.SELinux(s.Args)
			if mode != "disabled" && mode != "permissive" {
				continue
			}
			arg := by.Key
			if by.HasValue {
				arg += "=" + by.Value
			}
			out = append(out, chainAt([]Link{{Path: s.Path, Line: s.Line, Note: s.What + " has " + arg}},
				"the kernel command line (%s) boots SELinux %s: the host does not enforce the qm policy", s.What, mode))
		}
		return out
	},
}
