package ocihooks

import (
	"path"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAnnotations(t *testing.T) {
	for _, tc := range []struct {
		key, value string
		dev        string
		grants     bool
	}{
		{DevicePrefix + "audio", "true", "/dev/snd/pcmC0D0p", true},
		{DevicePrefix + "audio", "false", "/dev/snd/pcmC0D0p", false},
		{DevicePrefix + "video", "true", "/dev/media0", true},
		{DevicePrefix + "ttys", "true", "/dev/tty7", true},
		{DevicePrefix + "ttys", "true", "/dev/tty8", false},
		{WaylandSeat, "seat0", "/dev/input/event3", true},
		{WaylandSeat, "", "/dev/input/event3", false},
		{WaylandClientPrefix + "gpu", "true", "/dev/dri/renderD128", true},
		{WaylandClientPrefix + "gpu", "true", "/dev/dri/card0", false},
	} {
		t.Run(tc.key+"="+tc.value+" "+tc.dev, func(t *testing.T) {
			g, ok := Lookup(tc.key)
			require.True(t, ok)
			got := false
			if g.Grants(tc.value) {
				for _, p := range g.Devices {
					if m, err := path.Match(p, tc.dev); err == nil && m {
						got = true
					}
				}
			}
			require.Equal(t, tc.grants, got)
		})
	}
	_, ok := Lookup(DevicePrefix + "mem")
	require.False(t, ok)
	require.True(t, IsQM(DevicePrefix+"x"))
	require.False(t, IsQM("io.podman.annotations.label"))
}
