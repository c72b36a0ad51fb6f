package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs/ocihooks"
	"github.com/qm-build/qm-build/test/verifiers"
)

// TestMain lets the test binary be the hook itself when podman runs it
// (QM_OCI_HOOK_AS_MAIN=1 in the hook's environment).
func TestMain(m *testing.M) {
	if os.Getenv("QM_OCI_HOOK_AS_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// fakeDev makes a root whose /dev holds real device nodes: sound, a GPU,
// input, terminals, and nodes that are not devices.
func fakeDev(t *testing.T) string {
	t.Helper()
	root := verifiers.DeviceRoot(t,
		verifiers.DevNode{Path: "dev/snd/controlC0", Major: 116, Minor: 6}, verifiers.DevNode{Path: "dev/snd/pcmC0D0p", Major: 116, Minor: 16},
		verifiers.DevNode{Path: "dev/dri/card0", Major: 226}, verifiers.DevNode{Path: "dev/dri/renderD128", Major: 226, Minor: 128},
		verifiers.DevNode{Path: "dev/input/event3", Major: 13, Minor: 67}, verifiers.DevNode{Path: "dev/input/mice", Major: 13, Minor: 63},
		verifiers.DevNode{Path: "dev/tty0", Major: 4}, verifiers.DevNode{Path: "dev/tty7", Major: 4, Minor: 7})
	require.NoError(t, os.MkdirAll(filepath.Join(root, "dev/snd/by-path"), 0o755))
	require.NoError(t, os.Symlink("../controlC0", filepath.Join(root, "dev/snd/by-path/card0")))
	require.NoError(t, os.WriteFile(filepath.Join(root, "dev/snd/seq-not-a-device"), nil, 0o644))
	return root
}

func runHook(t *testing.T, stdin []byte, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, bytes.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

// devicePaths lists linux.devices of a configuration.
func devicePaths(t *testing.T, config []byte) []string {
	t.Helper()
	var c struct {
		Linux struct {
			Devices []struct {
				Path, Type   string
				Major, Minor int64
			} `json:"devices"`
		} `json:"linux"`
	}
	require.NoError(t, json.Unmarshal(config, &c), string(config))
	var out []string
	for _, d := range c.Linux.Devices {
		out = append(out, d.Path)
	}
	return out
}

// TestHookOnPodmansConfig runs the program on a configuration podman 4.3
// wrote (testdata/README) against a fake /dev of real device nodes.
func TestHookOnPodmansConfig(t *testing.T) {
	root := fakeDev(t)
	config, err := os.ReadFile(filepath.Join("testdata", "podman-4.3-config.json"))
	require.NoError(t, err)
	for _, tc := range []struct {
		arg  string
		want []string
	}{
		{"device", []string{"/dev/null", "/dev/snd/controlC0", "/dev/snd/pcmC0D0p"}},
		{"wayland-seat", []string{"/dev/null", "/dev/dri/card0", "/dev/dri/renderD128", "/dev/input/event3", "/dev/input/mice"}},
		{"wayland-client", []string{"/dev/null", "/dev/dri/renderD128"}},
	} {
		t.Run(tc.arg, func(t *testing.T) {
			out, stderr, code := runHook(t, config, "--host-root", root, tc.arg)
			require.Equal(t, 0, code, stderr)
			require.Equal(t, tc.want, devicePaths(t, []byte(out)))
			require.Contains(t, stderr, "added "+tc.want[1])
		})
	}
}

func TestHookUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		err  string
	}{
		{nil, 2, "usage: qm-oci-hook [--host-root DIR] device|wayland-seat|wayland-client"},
		{[]string{"nosuch"}, 2, `unknown hook "nosuch"; known: device, wayland-seat, wayland-client`},
		{[]string{"--bogus", "device"}, 2, "unknown flag: --bogus"},
		{[]string{"device", "extra"}, 2, "usage:"},
		{[]string{"--help"}, 0, "--host-root"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, stderr, code := runHook(t, []byte("{}"), tc.args...)
			require.Equal(t, tc.code, code)
			require.Contains(t, stderr, tc.err)
		})
	}
	t.Run("a configuration that is not JSON makes podman fail", func(t *testing.T) {
		out, stderr, code := runHook(t, []byte("not json"), "device")
		require.Equal(t, 1, code)
		require.Empty(t, out)
		require.Contains(t, stderr, "qm-oci-hook device: reading the container configuration: not a JSON object")
	})
}

// TestPodmanRunsTheHook: podman 4.3's own hook loader reads the packaged
// configurations (only the program path points at this test binary, with
// --host-root for the fake /dev), matches them against the container's
// annotations, runs the program at the precreate stage, and the runtime
// configuration podman writes holds the devices and their cgroup rules.
func TestPodmanRunsTheHook(t *testing.T) {
	root := fakeDev(t)
	self, err := os.Executable()
	require.NoError(t, err)
	hooks := t.TempDir()
	for _, h := range ocihooks.PrecreateHooks() {
		var c map[string]any
		require.NoError(t, json.Unmarshal(h.JSON(), &c))
		hook := c["hook"].(map[string]any)
		hook["path"] = self
		hook["args"] = []string{"qm-oci-hook", "--host-root", root, h.Arg}
		hook["env"] = []string{"QM_OCI_HOOK_AS_MAIN=1"}
		b, err := json.Marshal(c)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(hooks, h.File), b, 0o644))
	}
	for _, tc := range []struct {
		name        string
		annotations []string
		want        []string
	}{
		{"no annotation, no hook", nil, nil},
		{"audio", []string{"org.containers.qm.device.audio=true"}, []string{"/dev/snd/controlC0", "/dev/snd/pcmC0D0p"}},
		{"audio refused", []string{"org.containers.qm.device.audio=no"}, nil},
		{"seat and terminals: two hooks, each once", []string{"org.containers.qm.wayland.seat=seat0", "org.containers.qm.device.ttys=true"},
			[]string{"/dev/dri/card0", "/dev/dri/renderD128", "/dev/input/event3", "/dev/input/mice", "/dev/tty0", "/dev/tty7"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			config, out := verifiers.PodmanConfig(t, hooks, tc.annotations)
			got := devicePaths(t, config)
			require.ElementsMatch(t, tc.want, got, out)
			var c struct {
				Linux struct {
					Resources struct {
						Devices []struct {
							Allow        bool
							Type         string
							Major, Minor *int64
						} `json:"devices"`
					} `json:"resources"`
				} `json:"linux"`
			}
			require.NoError(t, json.Unmarshal(config, &c))
			allowed := 0
			for _, r := range c.Linux.Resources.Devices {
				if r.Allow && r.Major != nil && (*r.Major == 116 || *r.Major == 226 || *r.Major == 13 || *r.Major == 4 && r.Minor != nil && (*r.Minor == 0 || *r.Minor == 7)) {
					allowed++
				}
			}
			require.GreaterOrEqual(t, allowed, len(tc.want), "each added device has its cgroup rule")
		})
	}
}
