package selinux

import (
	"strings"
)

// Config is /etc/selinux/config (selinux_config(5)): the mode the system
// boots in and the policy it loads, with the lines that set them.
type Config struct {
	// Mode is "enforcing", "permissive" or "disabled" (lower case), or ""
	// when the file does not set SELINUX=.
	Mode     string
	ModeLine int
	// Type is SELINUXTYPE= ("targeted" when unset).
	Type     string
	TypeLine int
}

// ParseConfig reads a selinux config file the way libselinux does: NAME=VALUE
// lines, '#' comments, surrounding blanks and quotes ignored, the last
// assignment of a name winning; mode names are case-insensitive.
func ParseConfig(data []byte) Config {
	c := Config{Type: "targeted"}
	for i, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || l[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			continue
		}
		v = strings.Trim(strings.TrimSpace(v), `"'`)
		switch strings.TrimSpace(k) {
		case "SELINUX":
			c.Mode, c.ModeLine = strings.ToLower(v), i+1
		case "SELINUXTYPE":
			if v != "" {
				c.Type, c.TypeLine = v, i+1
			}
		}
	}
	return c
}
