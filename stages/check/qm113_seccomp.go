package check

import (
	"encoding/json"
	"fmt"

	"github.com/qm-build/qm-build/rootfs/seccomp"
	"github.com/qm-build/qm-build/stages/check/target"
)

// QM113: QM's seccomp profile exists and denies realtime scheduling.
var ruleQM113 = Rule{
	ID: "QM113", Severity: Error, Group: GroupQuadlet,
	Title: "SeccompProfile= names a profile in the image that denies sched_setattr and allows sched_setscheduler only for SCHED_OTHER/BATCH/IDLE",
	Rationale: "Realtime scheduling in QM would starve ASIL tasks of CPU; the 'deny_sched_setattr' and 'deny_set_scheduler' FFI " +
		"tests expect both calls to fail for realtime policies (upstream's create-seccomp-rules).",
	FFI: []string{"deny_sched_setattr", "deny_set_scheduler"},
	Check: func(c *Context) []Finding {
		return c.withQM(func(v *qmView) []Finding {
			e, ok := v.container("SeccompProfile")
			if !ok {
				return []Finding{v.missing("Container", "SeccompProfile", "podman's default profile allows realtime scheduling")}
			}
			p := v.expand(e.Value)
			if p == "unconfined" || p == "" {
				return []Finding{at(e.File, e.Line, "SeccompProfile=%s: QM runs without a seccomp filter", e.Value)}
			}
			data, err := target.ReadFile(c.FS, p)
			if err != nil {
				return []Finding{at(e.File, e.Line, "SeccompProfile=%s: the profile is not in the image: %v", e.Value, err)}
			}
			var prof seccompProfile
			if err := json.Unmarshal(data, &prof); err != nil {
				return []Finding{at(p, 0, "not a seccomp profile: %v", err)}
			}
			var out []Finding
			for _, why := range prof.realtimeProblems(droppedCaps(v)) {
				out = append(out, at(p, 0, "%s", why))
			}
			return out
		})
	},
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

// droppedCaps are QM's dropped capabilities, normalised.
func droppedCaps(v *qmView) map[string]bool {
	out := map[string]bool{}
	for _, w := range listWords(v.containerAll("DropCapability")) {
		out[normCap(w)] = true
	}
	return out
}
