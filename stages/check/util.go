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
