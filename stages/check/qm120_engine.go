package check

import (
	"path"
	"strings"
)

// engineFlags are podman's flags that choose the programs and state
// directories that run QM.
var engineFlags = []string{"runtime", "conmon", "hooks-dir", "root", "runroot", "imagestore", "tmpdir", "volumepath",
	"network-cmd-path", "network-config-dir", "storage-opt", "runtime-flag", "default-mounts-file", "registries-conf"}

// engineConf are the containers.conf [engine] settings that do the same.
var engineConf = []string{"runtime", "conmon_path", "hooks_dir", "static_dir", "volume_path", "tmp_dir", "cdi_spec_dirs"}

// QM120: the engine that runs QM is out of QM's reach.
var ruleQM120 = Rule{
	ID: "QM120", Severity: Error, Group: GroupQuadlet,
	Title: "podman's runtime, conmon, hooks, CDI, state directories and containers.conf files for QM lie outside QM's trees",
	Rationale: "The OCI runtime, conmon and hooks run as root on the host; podman's storage and state decide what runs. If any of " +
		"them is under /etc/qm, /var/qm or /usr/lib/qm, QM writes the programs or state the host runs QM with (GlobalArgs, " +
		"PodmanArgs, a qm.service drop-in or containers.conf [engine]): every FFI property is then QM's to change.",
	FFI: []string{"all"},
	Check: func(c *Context) []Finding {
		return c.withQM(func(v *qmView) []Finding {
			var out []Finding
			for _, name := range engineFlags {
				for _, it := range v.items(name) {
					if p := qmPathIn(it.Value); p != "" {
						out = append(out, chainAt(it.Chain, "--%s %s: %s is in QM's trees", name, it.Value, p))
					}
				}
			}
			for _, key := range engineConf {
				s, ok := v.conf("engine", key)
				if !ok {
					continue
				}
				vals := []string{}
				if str, ok := s.Value.(string); ok {
					vals = append(vals, str)
				}
				for _, it := range s.Items() {
					vals = append(vals, it.Value)
				}
				for _, val := range vals {
					if p := qmPathIn(val); p != "" {
						out = append(out, chainAt(confChain(s, " = "+val), "%s is in QM's trees", p))
					}
				}
			}
			for _, f := range v.Conf.Files {
				if inQMTrees(f) {
					out = append(out, chainAt([]Link{{Path: f, Note: "in the containers.conf chain of QM's podman (CONTAINERS_CONF, a module, or an override)"}},
						"podman reads containers.conf %s, which lies in QM's trees: QM configures the podman that confines it", f))
				}
			}
			for name, s := range v.Conf.Runtimes() {
				for _, it := range s.Items() {
					if p := qmPathIn(it.Value); p != "" {
						out = append(out, chainAt(confChain(s, " ("+name+")"), "runtime %s is %s, in QM's trees", name, p))
					}
				}
			}
			return out
		})
	},
}

// qmPathIn returns the path in a flag value that lies in QM's trees, or "".
func qmPathIn(val string) string {
	for _, part := range strings.FieldsFunc(val, func(r rune) bool { return r == ',' || r == '=' || r == ':' }) {
		if strings.HasPrefix(part, "/") && inQMTrees(path.Clean(part)) {
			return path.Clean(part)
		}
	}
	return ""
}
