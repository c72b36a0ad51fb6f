package check

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
		s, ok := n.conf.Get("containers", "cgroup_conf")
		if !ok {
			return []Finding{at(n.where(), 0, "[containers] cgroup_conf is not set: want [\"%s\"]", oomGroup)}
		}
		var vals []string
		for _, it := range s.Items() {
			if it.Value == oomGroup {
				return nil
			}
			vals = append(vals, it.Value)
		}
		return []Finding{at(s.File, s.Line, "cgroup_conf = %q lacks %q", vals, oomGroup)}
	},
}
