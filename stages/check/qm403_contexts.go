package check

import (
	"regexp"
	"strings"
	"sync"

	"github.com/qm-build/qm-build/selinux"
	"github.com/qm-build/qm-build/stages/check/target"
)

// nestedContextsPath is where QM's podman reads its SELinux contexts
// (qm-upstream.md §4).
const nestedContextsPath = qmRootfs + "/usr/share/containers/selinux/contexts"

var contextLineRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^\s*([a-z_]+)\s*=\s*"([^"]*)"`)
})

// QM403: containers nested in QM run as qm_container_* types.
var ruleQM403 = Rule{
	ID: "QM403", Severity: Error, Group: GroupSELinux,
	Title: "QM's podman contexts file names the qm_container_* types",
	Rationale: "Podman inside QM labels nested containers from this file; with container-selinux's container_t they would not " +
		"be confined by the qm policy ('qm_nested' FFI test).",
	FFI: []string{"qm_nested"},
	Check: func(c *Context) []Finding {
		data, err := target.ReadFile(c.FS, nestedContextsPath)
		if err != nil {
			return []Finding{at(nestedContextsPath, 0, "missing: nested containers are not labelled qm_container_*")}
		}
		got := map[string]struct {
			ctx  string
			line int
		}{}
		for i, l := range strings.Split(string(data), "\n") {
			if m := contextLineRE().FindStringSubmatch(l); m != nil {
				got[m[1]] = struct {
					ctx  string
					line int
				}{m[2], i + 1}
			}
		}
		var out []Finding
		for _, n := range selinux.NestedTypes {
			g, ok := got[n.Key]
			switch {
			case !ok:
				out = append(out, at(nestedContextsPath, 0, "no %s context: want type %s", n.Key, n.Type))
			case contextType(g.ctx) != n.Type:
				out = append(out, at(nestedContextsPath, g.line, "%s = %q: want type %s", n.Key, g.ctx, n.Type))
			}
		}
		return out
	},
}
