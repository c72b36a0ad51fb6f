package ocihooks

import (
	"slices"
	"strings"
)

// Annotation prefixes and keys QM's hooks act on (upstream qm-oci-hooks).
const (
	// DevicePrefix starts the device annotations: DevicePrefix+"audio"="true".
	DevicePrefix = "org.containers.qm.device."
	// WaylandSeat names a systemd-logind seat whose input and GPU render
	// devices the container receives: WaylandSeat="seat0".
	WaylandSeat = "org.containers.qm.wayland.seat"
	// WaylandClientPrefix starts the wayland client annotations:
	// WaylandClientPrefix+"gpu"="true".
	WaylandClientPrefix = "org.containers.qm.wayland-client."
)

// Grant is one annotation and the host devices the hook adds for it.
type Grant struct {
	// Key is the full annotation key.
	Key string
	// Value is the value that enables the grant ("true"), or "" when any
	// non-empty value does (the seat name for WaylandSeat).
	Value string
	// Devices are the device nodes added when they exist on the host, as
	// shell-style patterns (path.Match) over absolute /dev paths.
	Devices []string
	// Summary says what the devices are, for docs and reports.
	Summary string
}

// Annotations returns the grants QM's hooks know, sorted by key. The slice is
// new on every call; callers may keep or change it.
func Annotations() []Grant {
	g := []Grant{
		{Key: DevicePrefix + "audio", Value: "true", Devices: []string{"/dev/snd/*"}, Summary: "ALSA sound devices"},
		{Key: DevicePrefix + "dvb", Value: "true", Devices: []string{"/dev/dvb/*", "/dev/dvb/*/*"}, Summary: "DVB digital TV devices"},
		{Key: DevicePrefix + "input", Value: "true", Devices: []string{"/dev/input/*"}, Summary: "input devices (keyboards, mice, touch)"},
		{Key: DevicePrefix + "radio", Value: "true", Devices: []string{"/dev/radio*"}, Summary: "radio tuner devices"},
		{Key: DevicePrefix + "ttyUSB", Value: "true", Devices: []string{"/dev/ttyUSB*"}, Summary: "USB serial devices"},
		{Key: DevicePrefix + "ttys", Value: "true", Devices: []string{"/dev/tty[0-7]"}, Summary: "virtual terminals tty0 to tty7"},
		{Key: DevicePrefix + "video", Value: "true", Devices: []string{"/dev/video*", "/dev/media*"}, Summary: "V4L2 video and media controller devices"},
		{Key: WaylandClientPrefix + "gpu", Value: "true", Devices: []string{"/dev/dri/render*"}, Summary: "GPU render nodes for wayland clients"},
		{Key: WaylandSeat, Value: "", Devices: []string{"/dev/input/event*", "/dev/input/mice*", "/dev/input/mouse*", "/dev/dri/card*", "/dev/dri/render*"}, Summary: "the input and GPU devices of a logind seat"},
	}
	slices.SortFunc(g, func(a, b Grant) int { return strings.Compare(a.Key, b.Key) })
	return g
}

// Lookup returns the grant for an annotation key.
func Lookup(key string) (Grant, bool) {
	for _, g := range Annotations() {
		if g.Key == key {
			return g, true
		}
	}
	return Grant{}, false
}

// Grants reports whether the annotation key=value enables g.
func (g Grant) Grants(value string) bool {
	if g.Value == "" {
		return value != ""
	}
	return value == g.Value
}

// IsQM reports whether an annotation key belongs to QM's hooks' namespace.
func IsQM(key string) bool {
	return strings.HasPrefix(key, "org.containers.qm.")
}
