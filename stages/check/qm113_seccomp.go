package check

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/qm-build/qm-build/rootfs/podman"
	"github.com/qm-build/qm-build/rootfs/seccomp"
	"github.com/qm-build/qm-build/stages/check/target"
)

// QM113: QM's seccomp profile exists and denies realtime scheduling.
var ruleQM113 = Rule{
	ID: "QM113", Severity: Error, Group: GroupQuadlet,
	Title: "QM's seccomp profile is a file in the image that denies sched_setattr and allows sched_setscheduler only for SCHED_OTHER/BATCH/IDLE",
	Rationale: "Realtime scheduling in QM would starve ASIL tasks of CPU; the 'deny_sched_setattr' and 'deny_set_scheduler' FFI " +
		"tests expect both calls to fail for realtime policies (upstream's create-seccomp-rules). The profile is the last " +
		"--security-opt seccomp=, else containers.conf's seccomp_profile, else podman's default, which allows realtime scheduling.",
	FFI: []string{"deny_sched_setattr", "deny_set_scheduler"},
	Check: func(c *Context) []Finding {
		return c.withQM(func(v *qmView) []Finding {
			if priv, _ := v.privileged(); priv {
				return nil // QM108 reports privileged mode, which runs without seccomp
			}
			p, chain := v.seccompProfile()
			switch {
			case p == "":
				return []Finding{v.missing("no seccomp profile on QM's command line", "podman's default profile allows realtime scheduling (SeccompProfile=)")}
			case p == "unconfined":
				return []Finding{chainAt(chain, "QM runs without a seccomp filter")}
			}
			data, err := target.ReadFile(c.FS, p)
			if err != nil {
				return []Finding{chainAt(chain, "the seccomp profile %s is not in the image: %v", p, err)}
			}
			var prof seccompProfile
			if err := json.Unmarshal(data, &prof); err != nil {
				return []Finding{at(p, 0, "not a seccomp profile: %v", err)}
			}
			caps, _, _ := v.capabilities()
			dropped := map[string]bool{}
			for _, cp := range podman.AllCapabilities() {
				if !contains(caps, cp) {
					dropped[normCap(cp)] = true
				}
			}
			var out []Finding
			for _, why := range prof.realtimeProblems(dropped) {
				out = append(out, chainAt(append([]Link{{Path: p, Note: "the seccomp profile"}}, chain...), "%s", why))
			}
			return out
		})
	},
}

// seccompProfile is QM's effective seccomp profile and its chain; "" when
// none is set, "unconfined" when there is none.
func (v *qmView) seccompProfile() (string, []Link) {
	if priv, chain := v.privileged(); priv {
		return "unconfined", chain
	}
	if s := v.f().sec.Seccomp; s != nil {
		_, p, _ := cutAny(s.Value, "=:")
		return p, v.occChain(s.From)
	}
	if s, ok := v.conf("containers", "seccomp_profile"); ok {
		p, _ := s.Value.(string)
		return p, confChain(s, " = "+p)
	}
	return "", nil
}

func cutAny(s, seps string) (string, string, bool) {
	if i := strings.IndexAny(s, seps); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return s, "", false
}

// seccompProfile is the containers seccomp.json format (containers/common
// pkg/seccomp: defaultAction, syscalls with names/action/args and cap
// conditions).
type seccompProfile struct {
	DefaultAction string           `json:"defaultAction"`
	Syscalls      []seccompSysRule `json:"syscalls"`
}

type seccompSysRule struct {
	Names    []string      `json:"names"`
	Name     string        `json:"name"`
	Action   string        `json:"action"`
	Args     []seccomp.Arg `json:"args"`
	Includes seccompFilter `json:"includes"`
	Excludes seccompFilter `json:"excludes"`
}

type seccompFilter struct {
	Caps []string `json:"caps"`
}

func allows(action string) bool {
	return action == "SCMP_ACT_ALLOW" || action == "SCMP_ACT_LOG"
}

// applies decides a rule's cap conditions for QM, which has every capability
// but the dropped ones (AddCapability=all).
func (r seccompSysRule) applies(dropped map[string]bool) bool {
	for _, c := range r.Includes.Caps {
		if dropped[normCap(c)] {
			return false
		}
	}
	for _, c := range r.Excludes.Caps {
		if !dropped[normCap(c)] {
			return false
		}
	}
	return true
}

func (r seccompSysRule) lists(name string) bool {
	if r.Name == name {
		return true
	}
	for _, n := range r.Names {
		if n == name {
			return true
		}
	}
	return false
}

// realtimeProblems lists how the profile lets QM schedule in realtime.
func (p seccompProfile) realtimeProblems(dropped map[string]bool) []string {
	var out []string
	listed := map[string]bool{}
	for i, r := range p.Syscalls {
		if !r.applies(dropped) {
			continue
		}
		for _, name := range []string{"sched_setattr", "sched_setscheduler"} {
			if !r.lists(name) {
				continue
			}
			listed[name] = true
			if !allows(r.Action) {
				continue
			}
			if name == "sched_setattr" {
				out = append(out, fmt.Sprintf("syscalls[%d] allows sched_setattr (%s): QM may set realtime scheduling", i, r.Action))
			} else if !policyLimited(r.Args) {
				out = append(out, fmt.Sprintf("syscalls[%d] allows sched_setscheduler without limiting the policy (argument 1) to %v", i, seccomp.AllowedPolicies))
			}
		}
	}
	for _, name := range []string{"sched_setattr", "sched_setscheduler"} {
		if !listed[name] && allows(p.DefaultAction) {
			out = append(out, fmt.Sprintf("defaultAction %s allows %s: QM may set realtime scheduling", p.DefaultAction, name))
		}
	}
	return out
}

// policyLimited reports whether the arguments pin sched_setscheduler's policy
// (argument index 1) to one of the allowed policies.
func policyLimited(args []seccomp.Arg) bool {
	for _, a := range args {
		if a.Index != 1 || a.Op != "SCMP_CMP_EQ" {
			continue
		}
		for _, ok := range seccomp.AllowedPolicies {
			if a.Value == ok {
				return true
			}
		}
	}
	return false
}
