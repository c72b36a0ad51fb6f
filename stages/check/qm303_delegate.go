package check

// QM303: QM's container stays in qm.service's cgroup, which QM's systemd
// manages.
var ruleQM303 = Rule{
	ID: "QM303", Severity: Error, Group: GroupResources,
	Title: "QM has Delegate=true and its container stays in qm.service's cgroup (--cgroups=split, no --cgroup-parent)",
	Rationale: "Delegation gives QM's systemd its own cgroup subtree, so that limits and OOM kills of nested units stay inside " +
		"qm.service ('memory' FFI test: OOM kills land in qm.service). --cgroups other than split or a --cgroup-parent puts " +
		"QM's processes in another cgroup, outside qm.service's MemoryMax=, CPUWeight= and OOM policy ('memory', 'cpu').",
	FFI: []string{"memory", "cpu"},
	Check: func(c *Context) []Finding {
		return c.withQM(func(v *qmView) []Finding {
			var out []Finding
			e, ok := v.service("Delegate")
			if !ok {
				out = append(out, v.serviceMissing("Delegate", "QM's systemd cannot manage its own cgroups"))
			} else if b, isBool := parseBool(e.Value); !isBool || !b {
				out = append(out, chainAt(v.entryChain(e), "Delegate=%s: want true", e.Value))
			}
			mode := v.flag("cgroups")
			if !mode.Set {
				if s, ok := v.conf("containers", "cgroups"); ok {
					val, _ := s.Value.(string)
					mode = value{val, confChain(s, " = "+val), true}
				}
			}
			switch {
			case !mode.Set:
				out = append(out, v.missing("no --cgroups=split on QM's command line", "podman puts QM's container in machine.slice, outside qm.service's limits"))
			case mode.Value != "split":
				out = append(out, chainAt(mode.Chain, "--cgroups=%s: QM's container leaves qm.service's cgroup (want split)", mode.Value))
			}
			if p := v.flag("cgroup-parent"); p.Set {
				out = append(out, chainAt(p.Chain, "--cgroup-parent %s moves QM's container out of qm.service's cgroup", p.Value))
			}
			return out
		})
	},
}
