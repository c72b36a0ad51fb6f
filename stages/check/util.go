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

// normCap spells a capability the way podman's seccomp conditions name
// them, lower case without the CAP_ prefix.
func normCap(s string) string {
	return strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s)), "cap_")
}

// firstLine is the first line of a (multi-line) error text.
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
