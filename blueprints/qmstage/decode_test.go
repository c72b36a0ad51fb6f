package qmstage

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
)

func TestDecodeOptionsErrorsNameTheOption(t *testing.T) {
	for _, tc := range []struct {
		name, options string
		want          []string // every line of the error, in order
	}{
		{"unknown option", `{"frobnicate": true}`,
			[]string{"options.frobnicate: unknown option; known options: version, release, dropins, images, memory_max, memory_high, cpu_weight, writable, network, var_partition, timezone, volumes, devices, hostname, bluechi_controller"}},
		{"wrong type", `{"writable": "yes"}`, []string{"options.writable: must be a boolean, not string"}},
		{"null", `{"version": null}`, []string{"options.version: must be a string, not null"}},
		{"list item", `{"dropins": ["kvm", 1]}`, []string{"options.dropins[1]: must be a string, not number"}},
		{"map value", `{"images": {"kvm": true}}`, []string{"options.images.kvm: must be a string, not boolean"}},
		{"nested unknown", `{"bluechi_controller": {"tls": true}}`, []string{"options.bluechi_controller.tls: unknown option; known: host, port, socket"}},
		{"port range", `{"bluechi_controller": {"port": 0}}`, []string{"options.bluechi_controller.port: 0 is not a TCP port (1..65535)"}},
		{"fraction", `{"bluechi_controller": {"port": 1.5}}`, []string{"options.bluechi_controller.port: must be an integer, not 1.5"}},
		{"empty string", `{"network": ""}`, []string{"options.network: must not be empty (leave the option out for its default)"}},
		{"not an object", `["kvm"]`, []string{"options: must be an object, not array"}},
		{"every problem at once", `{"writable": 1, "zzz": 2, "version": false}`, []string{
			"options.version: must be a string, not boolean",
			"options.writable: must be a boolean, not number",
			"options.zzz: unknown option; known options: version, release, dropins, images, memory_max, memory_high, cpu_weight, writable, network, var_partition, timezone, volumes, devices, hostname, bluechi_controller",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeOptions([]byte(tc.options))
			require.Error(t, err)
			require.Equal(t, tc.want, errLines(err))
			var bi interface{ BadInput() bool }
			require.ErrorAs(t, err, &bi)
			require.True(t, bi.BadInput())
		})
	}
}

func TestPlanErrorsNameTheOption(t *testing.T) {
	cat, err := rpmspec.Builtin()
	require.NoError(t, err)
	for _, tc := range []struct {
		name, options string
		want          []string
	}{
		{"unknown drop-in", `{"dropins": ["kvm", "teleport"]}`,
			[]string{`options.dropins[1]: unknown drop-in "teleport"; known drop-ins: ` + joinNames(cat) + `, all`}},
		{"comma list", `{"dropins": ["kvm,sound"]}`,
			[]string{`options.dropins[0]: unknown drop-in "kvm,sound"; known drop-ins: ` + joinNames(cat) + `, all`}},
		{"short image name", `{"images": {"kvm": "qm-images/kvm:latest"}}`,
			[]string{`options.images.kvm: "qm-images/kvm:latest" is a short name: give the registry, the repository and a tag or digest (e.g. quay.io/qm-images/kvm:latest)`}},
		{"unknown image key", `{"images": {"teleport": "localhost/t"}}`,
			[]string{`options.images.teleport: unknown image key "teleport"; known keys: audio, kvm, qm-dbus-broker, rear-camera, ros2, text2speech, wayland-compositor`}},
		{"NewPlan's flags renamed", `{"memory_max": "12XB", "bluechi_controller": {"port": 842}}`,
			[]string{`options.memory_max: "12XB" is not a memory size: give bytes with an optional K, M, G, T, P or E suffix (e.g. 512M, 2G), a percentage (80%) or infinity`,
				`options.bluechi_controller.port: needs options.bluechi_controller.host`}},
		{"every problem at once, names and values", `{"dropins": ["teleport"], "images": {"nope": "x"}, "cpu_weight": "0", "bluechi_controller": {"host": "h", "socket": true}}`,
			[]string{
				`options.dropins[0]: unknown drop-in "teleport"; known drop-ins: ` + joinNames(cat) + `, all`,
				`options.images.nope: unknown image key "nope"; known keys: audio, kvm, qm-dbus-broker, rear-camera, ros2, text2speech, wayland-compositor`,
				`options.cpu_weight: "0" is not a CPU weight: give idle or a number from 1 to 10000`,
				`options.bluechi_controller.socket: reaches the controller over its unix socket; do not also give options.bluechi_controller.host`,
			}},
		{"NewPlan's version check renamed", `{"version": "1.0-1"}`,
			[]string{`options.version: "1.0-1" must not contain '-' (it separates version from release)`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := DecodeOptions([]byte(tc.options))
			require.NoError(t, err)
			_, err = Plan(o, cat)
			require.Error(t, err)
			require.Equal(t, tc.want, errLines(err))
		})
	}
}

func joinNames(cat *rpmspec.Catalog) string {
	out := ""
	for i, n := range cat.Names() {
		if i > 0 {
			out += ", "
		}
		out += n
	}
	return out
}

func errLines(err error) []string {
	if es := rpmspec.AsErrors(err); len(es) > 1 {
		out := make([]string, len(es))
		for i, e := range es {
			out[i] = e.Error()
		}
		return out
	}
	return []string{err.Error()}
}

// TestOptionForFlag: the flags that shape the tree each set a stage option
// of the same neutral name (rootfs.OptionFields), so the stage's messages
// never name a CLI flag.
func TestOptionForFlag(t *testing.T) {
	for _, tc := range []struct{ flag, option string }{
		{"--pkg-version", "version"},
		{"--dropin", "dropins"},
		{"--image", "images"},
		{"--memory-max", "memory_max"},
		{"--cpu-weight", "cpu_weight"},
		{"--volume", "volumes"},
		{"--device", "devices"},
		{"--controller-host", "bluechi_controller.host"},
		{"--controller-port", "bluechi_controller.port"},
		{"--controller-socket", "bluechi_controller.socket"},
	} {
		t.Run(tc.flag, func(t *testing.T) {
			got, ok := rootfs.FieldForFlag(tc.flag)
			require.True(t, ok)
			require.Equal(t, tc.option, got)
			require.Contains(t, OptionNames(), got)
		})
	}
	_, ok := rootfs.FieldForFlag("--dropin-dir")
	require.False(t, ok, "user drop-in directories have no stage option")
}

// TestOptionsFromPlanRoundTrip: a plan's options, through JSON and the
// stage's parsing, give the same plan back.
func TestOptionsFromPlanRoundTrip(t *testing.T) {
	cat, err := rpmspec.Builtin()
	require.NoError(t, err)
	s := compileStageSchema(t)
	for _, tc := range []struct {
		name string
		o    rootfs.Options
	}{
		{"defaults", rootfs.Options{}},
		{"kvm over the socket", rootfs.Options{Dropins: []string{"kvm"}, Controller: rootfs.Controller{Socket: true}}},
		{"everything", rootfs.Options{Version: "1.2", Release: "3", Dropins: []string{"sound,video"},
			Images: map[string]string{"audio": "localhost/audio:9"}, MemoryMax: "2G", MemoryHigh: "80%", CPUWeight: "20",
			Writable: true, Network: "private", VarPartition: true, Timezone: "Europe/Rome", Volumes: []string{"/srv:/srv:ro"},
			Devices: []string{"/dev/ttyUSB3"}, Hostname: "ecu", Controller: rootfs.Controller{Host: "10.0.0.1", Port: 2020}}},
		{"all drop-ins", rootfs.Options{Dropins: []string{"all"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := rootfs.NewPlan(tc.o, cat)
			require.NoError(t, err)
			data, err := json.Marshal(OptionsFromPlan(p))
			require.NoError(t, err)
			ok, verr := schemaAccepts(t, s, string(data))
			require.True(t, ok, "OptionsFromPlan output fails the schema: %v\n%s", verr, data)
			o, err := DecodeOptions(data)
			require.NoError(t, err)
			back, err := Plan(o, cat)
			require.NoError(t, err)
			// The stage builds every drop-in but the hook package, whose
			// program it is not given (stageDropins).
			require.Equal(t, stageDropins(p), back.DropinNames())
			want := p.Options
			want.Dropins = stageDropins(p)
			got := back.Options
			if len(want.Dropins) == 0 {
				want.Dropins = nil
			}
			require.Equal(t, want, got)
		})
	}
}
