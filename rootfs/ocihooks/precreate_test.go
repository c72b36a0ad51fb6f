package ocihooks

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// fakeHost is a HostFS held in memory: device nodes by path, and other
// nodes (directories, symlinks) that Glob matches but Device refuses.
type fakeHost struct {
	devices map[string]HostDevice
	others  []string
}

func (h fakeHost) Glob(pattern string) ([]string, error) {
	var out []string
	for _, p := range append(h.paths(), h.others...) {
		ok, err := path.Match(pattern, p)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out, nil
}

func (h fakeHost) paths() []string {
	var out []string
	for p := range h.devices {
		out = append(out, p)
	}
	return out
}

func (h fakeHost) Device(name string) (HostDevice, error) {
	if d, ok := h.devices[name]; ok {
		return d, nil
	}
	for _, o := range h.others {
		if o == name {
			return HostDevice{}, fmt.Errorf("%s: %w", name, ErrNotDevice)
		}
	}
	return HostDevice{}, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
}

// host is a machine with sound, a GPU, input devices, terminals, a camera
// and a USB serial adapter.
func host() fakeHost {
	h := fakeHost{devices: map[string]HostDevice{}, others: []string{"/dev/snd/by-path", "/dev/input/by-id", "/dev/dri/by-path"}}
	add := func(p, typ string, major, minor int64) {
		h.devices[p] = HostDevice{Path: p, Type: typ, Major: major, Minor: minor, FileMode: 0o20660, UID: 0, GID: 63}
	}
	add("/dev/snd/controlC0", "c", 116, 6)
	add("/dev/snd/pcmC0D0p", "c", 116, 16)
	add("/dev/dri/card0", "c", 226, 0)
	add("/dev/dri/renderD128", "c", 226, 128)
	add("/dev/input/event0", "c", 13, 64)
	add("/dev/input/mice", "c", 13, 63)
	add("/dev/input/js0", "c", 13, 0)
	add("/dev/tty0", "c", 4, 0)
	add("/dev/tty7", "c", 4, 7)
	add("/dev/tty8", "c", 4, 8)
	add("/dev/video0", "c", 81, 0)
	add("/dev/ttyUSB0", "c", 188, 0)
	add("/dev/dvb/adapter0/frontend0", "c", 212, 0)
	add("/dev/sda", "b", 8, 0)
	return h
}

// config is a minimal runtime configuration with annotations, the deny-all
// cgroup rule podman writes, one device podman added itself, and a field the
// hook does not know.
func config(annotations map[string]string) string {
	a, _ := json.Marshal(annotations)
	return `{"ociVersion":"1.0.2-dev","annotations":` + string(a) + `,"process":{"args":["/sbin/init"]},` +
		`"linux":{"devices":[{"path":"/dev/tty7","type":"c","major":4,"minor":7,"fileMode":8630,"uid":0,"gid":5}],` +
		`"resources":{"devices":[{"allow":false,"access":"rwm"}]},"x-unknown":{"kept":true}}}`
}

type decoded struct {
	Annotations map[string]string `json:"annotations"`
	Process     json.RawMessage   `json:"process"`
	Linux       struct {
		Devices   []ociDevice `json:"devices"`
		Resources struct {
			Devices []struct {
				Allow  bool   `json:"allow"`
				Type   string `json:"type"`
				Major  *int64 `json:"major"`
				Minor  *int64 `json:"minor"`
				Access string `json:"access"`
			} `json:"devices"`
		} `json:"resources"`
		Unknown json.RawMessage `json:"x-unknown"`
	} `json:"linux"`
}

func TestPrecreate(t *testing.T) {
	device, _ := LookupPrecreateHook("device")
	seat, _ := LookupPrecreateHook("wayland-seat")
	client, _ := LookupPrecreateHook("wayland-client")
	for _, tc := range []struct {
		name        string
		hook        PrecreateHook
		annotations map[string]string
		added       []string
		note        string
	}{
		{"audio", device, map[string]string{DevicePrefix + "audio": "true"}, []string{"/dev/snd/controlC0", "/dev/snd/pcmC0D0p"}, ""},
		{"several classes, tty7 already there", device, map[string]string{DevicePrefix + "ttys": "true", DevicePrefix + "video": "true", DevicePrefix + "ttyUSB": "true"},
			[]string{"/dev/tty0", "/dev/ttyUSB0", "/dev/video0"}, ""},
		{"nested dvb adapters", device, map[string]string{DevicePrefix + "dvb": "true"}, []string{"/dev/dvb/adapter0/frontend0"}, ""},
		{"a value that grants nothing", device, map[string]string{DevicePrefix + "audio": "false"}, nil, "the value grants nothing (want true)"},
		{"an unknown class", device, map[string]string{DevicePrefix + "mem": "true"}, nil, "not an annotation QM's hooks know"},
		{"a class the host lacks", device, map[string]string{DevicePrefix + "radio": "true"}, nil, "the host has no radio tuner devices"},
		{"the device hook leaves the seat alone", device, map[string]string{WaylandSeat: "seat0"}, nil, ""},
		{"a seat", seat, map[string]string{WaylandSeat: "seat0", DevicePrefix + "audio": "true"},
			[]string{"/dev/dri/card0", "/dev/dri/renderD128", "/dev/input/event0", "/dev/input/mice"}, ""},
		{"an empty seat", seat, map[string]string{WaylandSeat: ""}, nil, "the value grants nothing (want any non-empty value)"},
		{"a wayland client", client, map[string]string{WaylandClientPrefix + "gpu": "true"}, []string{"/dev/dri/renderD128"}, ""},
		{"no annotation", device, nil, nil, ""},
		{"other namespaces", device, map[string]string{"io.podman.annotations.init": "FALSE"}, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Precreate(strings.NewReader(config(tc.annotations)), host(), tc.hook)
			require.NoError(t, err)
			var got []string
			for _, d := range res.Added {
				got = append(got, d.Path)
			}
			require.Equal(t, tc.added, got)
			if tc.note != "" {
				require.Len(t, res.Notes, 1)
				require.Contains(t, res.Notes[0], tc.note)
			} else {
				require.Empty(t, res.Notes)
			}
			var d decoded
			require.NoError(t, json.Unmarshal(res.Config, &d))
			require.Equal(t, tc.annotations, d.Annotations, "annotations are kept")
			require.JSONEq(t, `{"args":["/sbin/init"]}`, string(d.Process))
			require.JSONEq(t, `{"kept":true}`, string(d.Linux.Unknown), "unknown fields are kept")
			require.Equal(t, "/dev/tty7", d.Linux.Devices[0].Path, "podman's own devices come first")
			require.Len(t, d.Linux.Devices, 1+len(tc.added))
			rules := d.Linux.Resources.Devices
			require.False(t, rules[0].Allow, "podman's deny-all rule stays first")
			require.Len(t, rules, 1+len(tc.added))
			for i, p := range tc.added {
				dev := d.Linux.Devices[1+i]
				want := host().devices[p]
				require.Equal(t, ociDevice{Path: p, Type: want.Type, Major: want.Major, Minor: want.Minor, FileMode: want.FileMode, UID: want.UID, GID: want.GID}, dev)
				r := rules[1+i]
				require.True(t, r.Allow)
				require.Equal(t, []any{want.Type, want.Major, want.Minor, "rwm"}, []any{r.Type, *r.Major, *r.Minor, r.Access})
			}
		})
	}
}

func TestPrecreateIsIdempotent(t *testing.T) {
	device, _ := LookupPrecreateHook("device")
	in := config(map[string]string{DevicePrefix + "audio": "true"})
	first, err := Precreate(strings.NewReader(in), host(), device)
	require.NoError(t, err)
	second, err := Precreate(strings.NewReader(string(first.Config)), host(), device)
	require.NoError(t, err)
	require.Empty(t, second.Added)
	require.JSONEq(t, string(first.Config), string(second.Config))
}

func TestPrecreateBadConfig(t *testing.T) {
	device, _ := LookupPrecreateHook("device")
	for _, in := range []string{"", "null", "[]", "{", `{"annotations":[1]}`, `{"annotations":{"org.containers.qm.device.audio":"true"},"linux":{"devices":{}}}`,
		`{"annotations":{"org.containers.qm.device.audio":"true"},"linux":{"resources":{"devices":"x"}}}`} {
		t.Run(in, func(t *testing.T) {
			_, err := Precreate(strings.NewReader(in), host(), device)
			require.Error(t, err)
		})
	}
}

// FuzzPrecreate: whatever the configuration, the hook does not panic; when it
// accepts one, it prints a JSON object that keeps every top-level key.
func FuzzPrecreate(f *testing.F) {
	f.Add(config(map[string]string{DevicePrefix + "audio": "true", WaylandSeat: "seat0"}))
	f.Add(`{"linux":null,"annotations":{"org.containers.qm.device.ttys":"true"}}`)
	f.Add(`{}`)
	device, _ := LookupPrecreateHook("device")
	f.Fuzz(func(t *testing.T, in string) {
		res, err := Precreate(strings.NewReader(in), host(), device)
		if err != nil {
			return
		}
		var before, after map[string]json.RawMessage
		require.NoError(t, json.Unmarshal([]byte(in), &before))
		require.NoError(t, json.Unmarshal(res.Config, &after))
		for k := range before {
			require.Contains(t, after, k)
		}
	})
}
