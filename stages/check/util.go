package check

import (
	"fmt"
	"io/fs"
	"strings"

	"github.com/qm-build/qm-build/rootfs/unitfile"
)

// parseBool is systemd's boolean syntax.
func parseBool(v string) (bool, bool) { return unitfile.ParseBool(strings.TrimSpace(v)) }

// octalMode spells permission bits as chmod does ("4755").
func octalMode(m fs.FileMode) string {
	n := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		n |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		n |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		n |= 0o1000
	}
	return fmt.Sprintf("%04o", n)
}

// listWords splits list values (DropCapability=sys_boot sys_resource).
func listWords(vals []unitfile.Entry) []string {
	var out []string
	for _, e := range vals {
		out = append(out, strings.Fields(e.Value)...)
	}
	return out
}
