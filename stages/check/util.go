package check

import (
	"strings"

	"github.com/qm-build/qm-build/rootfs/unitfile"
)

// parseBool is systemd's boolean syntax.
func parseBool(v string) (bool, bool) { return unitfile.ParseBool(strings.TrimSpace(v)) }

// listWords splits list values (DropCapability=sys_boot sys_resource).
func listWords(vals []unitfile.Entry) []string {
	var out []string
	for _, e := range vals {
		out = append(out, strings.Fields(e.Value)...)
	}
	return out
}
