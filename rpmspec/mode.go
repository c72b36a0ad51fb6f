package rpmspec

import (
	"fmt"
	"io/fs"
	"strconv"
)

// The one translation between Go's fs.FileMode and permission bits as
// chmod(1), rpm and osbuild number them, where setuid, setgid and sticky are
// 0o4000, 0o2000 and 0o1000 (Go keeps them in high bits of their own).

// PermBits returns m's permission bits with setuid, setgid and sticky in
// chmod's places (fs.ModeSetuid|0o755 → 0o4755).
func PermBits(m fs.FileMode) uint32 {
	bits := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		bits |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		bits |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		bits |= 0o1000
	}
	return bits
}

// ModeFromRPM converts permission bits as written in octal (0644, 4755) to a
// fs.FileMode with Go's setuid/setgid/sticky bits.
func ModeFromRPM(m uint) fs.FileMode {
	mode := fs.FileMode(m & 0o777)
	if m&0o4000 != 0 {
		mode |= fs.ModeSetuid
	}
	if m&0o2000 != 0 {
		mode |= fs.ModeSetgid
	}
	if m&0o1000 != 0 {
		mode |= fs.ModeSticky
	}
	return mode
}

// OctalMode spells m's permission bits as four octal digits, as chmod does
// ("0644", "4755").
func OctalMode(m fs.FileMode) string { return fmt.Sprintf("%04o", PermBits(m)) }

// ParseOctalMode reads permission bits in octal, setuid/setgid/sticky
// included ("644", "0644", "4755").
func ParseOctalMode(s string) (fs.FileMode, error) {
	n, err := strconv.ParseUint(s, 8, 32)
	if err != nil || n > 0o7777 {
		return 0, fmt.Errorf("mode %q is not octal 0000-7777", s)
	}
	return ModeFromRPM(uint(n)), nil
}
