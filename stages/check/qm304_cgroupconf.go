package check

import "fmt"

// oomGroup is the cgroup setting nested containers need (qm-upstream.md §4).
const oomGroup = "memory.oom.group=1"

// QM304: a nested container is OOM-killed as a whole.
var ruleQM304 = Rule{
	ID: "QM304", Severity: Error, Group: GroupResources,
	Title: "the nested containers.conf has cgroup_conf with memory.oom.group=1",
	Rationale: "With memory.oom.group the kernel kills a whole nested container instead of single processes, leaving no " +
		"half-dead workload inside QM; the 'memory' FFI test expects the nested workload killed cleanly.",
	FFI: []string{"memory"},
	Check: func(c *Context) []Finding {
		n := c.Nested()
		val, ok := n.values["cgroup_conf"]
		if !ok {
			where := qmEtc + "/containers/containers.conf"
			if len(n.files) > 0 {
				where = n.files[len(n.files)-1]
			}
			return []Finding{at(where, 0, "[containers] cgroup_conf is not set: want [\"%s\"]", oomGroup)}
		}
		list, _ := val.Value.([]any)
		for _, x := range list {
			if fmt.Sprint(x) == oomGroup {
				return nil
			}
		}
		return []Finding{at(val.File, val.Line, "cgroup_conf = %v lacks %q", val.Value, oomGroup)}
	},
}
