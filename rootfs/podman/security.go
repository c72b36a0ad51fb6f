package podman

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Security is the meaning of a container's --security-opt values
// (pkg/specgenutil in podman 5.4 and go-selinux's label options): each field
// holds the item that decides it.
type Security struct {
	// Label holds the SELinux label fields: "type", "filetype", "level",
	// "user", "role" (the last value of each wins).
	Label map[string]Item
	// LabelDisable is a label=disable (anywhere: it turns labelling off).
	LabelDisable *Item
	// LabelNested is label=nested.
	LabelNested *Item
	// Seccomp is the last seccomp= (a profile path, or "unconfined").
	Seccomp *Item
	// Apparmor is the last apparmor=.
	Apparmor *Item
	// NoNewPrivileges is the last no-new-privileges (its value parsed).
	NoNewPrivileges *Item
	// Mask and Unmask are mask= and unmask= (and systempaths=unconfined,
	// which is unmask=ALL).
	Mask, Unmask []Item
	// Invalid are values podman refuses (it then runs nothing).
	Invalid []Item
}

// ParseSecurity reads --security-opt values.
func ParseSecurity(items []Item) Security {
	s := Security{Label: map[string]Item{}}
	for _, it := range items {
		key, val, hasVal := cutOpt(it.Value)
		if !hasVal && key != "no-new-privileges" {
			s.Invalid = append(s.Invalid, it)
			continue
		}
		it := it
		switch key {
		case "apparmor":
			s.Apparmor = &it
		case "label":
			s.label(it, val)
		case "mask":
			s.Mask = append(s.Mask, it)
		case "proc-opts":
		case "seccomp":
			s.Seccomp = &it
		case "systempaths":
			if val != "unconfined" {
				s.Invalid = append(s.Invalid, it)
				continue
			}
			s.Unmask = append(s.Unmask, it)
		case "unmask":
			s.Unmask = append(s.Unmask, it)
		case "no-new-privileges":
			if hasVal {
				if _, err := strconv.ParseBool(val); err != nil {
					s.Invalid = append(s.Invalid, it)
					continue
				}
			}
			s.NoNewPrivileges = &it
		default:
			s.Invalid = append(s.Invalid, it)
		}
	}
	return s
}

// cutOpt splits "key=value", or the deprecated "key:value".
func cutOpt(opt string) (key, val string, ok bool) {
	if strings.Contains(opt, "=") {
		return strings.Cut(opt, "=")
	}
	return strings.Cut(opt, ":")
}

func (s *Security) label(it Item, val string) {
	switch {
	case val == "nested":
		s.LabelNested = &it
	case val == "disable":
		if s.LabelDisable == nil {
			s.LabelDisable = &it
		}
	default:
		field, v, ok := strings.Cut(val, ":")
		switch field {
		case "type", "filetype", "level", "user", "role":
		default:
			ok = false
		}
		if !ok {
			s.Invalid = append(s.Invalid, it)
			return
		}
		it.Value = v
		s.Label[field] = it
	}
}

// allCaps is the capability bounding set of current kernels
// (linux/capability.h, CAP_CHOWN … CAP_CHECKPOINT_RESTORE).
var allCaps = []string{"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
	"SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
	"SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
	"SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
	"MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF",
	"CHECKPOINT_RESTORE"}

// AllCapabilities lists every capability as CAP_NAME.
func AllCapabilities() []string {
	out := make([]string, len(allCaps))
	for i, c := range allCaps {
		out[i] = "CAP_" + c
	}
	return out
}

// NormalizeCap spells a capability as podman compares them: upper case with
// the CAP_ prefix ("ALL" stays ALL). ok is false for an unknown name.
func NormalizeCap(s string) (string, bool) {
	u := strings.ToUpper(strings.TrimSpace(s))
	if u == "ALL" {
		return u, true
	}
	u = strings.TrimPrefix(u, "CAP_")
	for _, c := range allCaps {
		if c == u {
			return "CAP_" + u, true
		}
	}
	return "CAP_" + u, false
}

// ErrCapabilities is a --cap-add/--cap-drop combination podman refuses.
var ErrCapabilities = errors.New("capabilities")

// Capabilities is the capability set of the container's process from a base
// set and the --cap-add/--cap-drop items, as containers/common's
// MergeCapabilities computes it: dropping ALL keeps only the added ones;
// adding ALL starts from every capability and ignores the other adds; a
// capability both added and dropped is an error; otherwise the base minus the
// drops plus the adds. The result is sorted.
func Capabilities(base []string, adds, drops []Item) ([]string, error) {
	norm := func(items []Item) ([]string, error) {
		var out []string
		for _, it := range items {
			c, ok := NormalizeCap(it.Value)
			if !ok {
				return nil, fmt.Errorf("%w: unknown capability %q", ErrCapabilities, it.Value)
			}
			out = append(out, c)
		}
		return out, nil
	}
	add, err := norm(adds)
	if err != nil {
		return nil, err
	}
	drop, err := norm(drops)
	if err != nil {
		return nil, err
	}
	has := func(l []string, c string) bool {
		for _, x := range l {
			if x == c {
				return true
			}
		}
		return false
	}
	if has(drop, "ALL") {
		if has(add, "ALL") {
			return nil, fmt.Errorf("%w: adding all caps and removing all caps not allowed", ErrCapabilities)
		}
		sort.Strings(add)
		return add, nil
	}
	if has(add, "ALL") {
		base, add = AllCapabilities(), nil
	}
	for _, c := range add {
		if has(drop, c) {
			return nil, fmt.Errorf("%w: capability %q cannot be dropped and added", ErrCapabilities, c)
		}
	}
	set := map[string]bool{}
	for _, c := range base {
		if n, _ := NormalizeCap(c); !has(drop, n) {
			set[n] = true
		}
	}
	for _, c := range add {
		set[c] = true
	}
	out := make([]string, 0, len(set))
	for c := range set {
		out = append(out, c)
	}
	sort.Strings(out)
	return out, nil
}

// Device is a --device value: a host device path (or a CDI name) and where it
// appears in the container.
type Device struct {
	Host, Container, Permissions string
	// CDI is true for a Container Device Interface name (vendor/class=name):
	// what it grants is in the host's CDI specifications.
	CDI bool
}

// ParseDevice reads HOST[:CONTAINER][:PERMISSIONS] (podman's ParseDevice).
func ParseDevice(v string) (Device, error) {
	if !strings.HasPrefix(v, "/") && strings.Contains(v, "=") {
		return Device{Host: v, CDI: true}, nil
	}
	parts := strings.Split(v, ":")
	d := Device{Permissions: "rwm"}
	switch len(parts) {
	case 3:
		if !deviceMode(parts[2]) {
			return d, fmt.Errorf("invalid device mode: %s", parts[2])
		}
		d.Permissions = parts[2]
		fallthrough
	case 2:
		if deviceMode(parts[1]) {
			d.Permissions = parts[1]
		} else {
			if parts[1] != "" && parts[1][0] != '/' {
				return d, fmt.Errorf("invalid device mode: %s", parts[1])
			}
			d.Container = parts[1]
		}
		fallthrough
	case 1:
		d.Host = parts[0]
	default:
		return d, fmt.Errorf("invalid device specification: %s", v)
	}
	if d.Container == "" {
		d.Container = d.Host
	}
	if !strings.HasPrefix(d.Host, "/") {
		return d, fmt.Errorf("%s is not an absolute path or a CDI device name", d.Host)
	}
	d.Host = path.Clean(d.Host)
	return d, nil
}

func deviceMode(m string) bool {
	if m == "" || len(m) > 3 {
		return false
	}
	for _, c := range m {
		if !strings.ContainsRune("rwm", c) {
			return false
		}
	}
	return true
}
