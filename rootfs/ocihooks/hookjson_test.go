package ocihooks

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs/imagefs"
)

func readHook(t testing.TB, name string) []byte {
	data, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return data
}

func boolp(b bool) *bool { return &b }

func TestParseHook(t *testing.T) {
	h, err := ParseHook(readHook(t, "qm-device-manager.json"), "qm-device-manager.json")
	require.NoError(t, err)
	require.Equal(t, "/usr/libexec/oci/hooks.d/oci-qm-device-manager", h.Program)
	require.Equal(t, []string{"precreate"}, h.Stages)
	require.True(t, h.KeyedOnQM())

	old, err := ParseHook(readHook(t, "old-0.1.0.json"), "old.json")
	require.NoError(t, err)
	require.Equal(t, When{Commands: []string{".*/init$"}, Annotations: map[string]string{".*": "^qm$"}, Or: true}, old.When)
	require.Equal(t, []string{"/usr/libexec/oci/hooks.d/legacy", "--debug"}, old.Args)
	require.False(t, old.KeyedOnQM())

	for body, want := range map[string]string{
		`{"version": "2.0.0"}`:                            "unrecognized hook version",
		`{"version": 1}`:                                  "version check",
		`{"stage": ["prestart"]}`:                         "missing required property: hook",
		`{"hook": "/x", "stage": ["a"], "stages": ["b"]}`: "cannot set both",
	} {
		_, err := ParseHook([]byte(body), "x.json")
		require.ErrorContains(t, err, want, body)
	}
}

func TestValidate(t *testing.T) {
	exists := func(p string) bool { return p == "/bin/hook" }
	for _, tc := range []struct {
		h    Hook
		want string
	}{
		{Hook{Program: "/bin/hook", Stages: []string{"precreate", "poststop", "createRuntime"}}, ""},
		{Hook{Program: "", Stages: []string{"prestart"}}, "missing required property: hook.path"},
		{Hook{Program: "/bin/missing", Stages: []string{"prestart"}}, "hook program missing"},
		{Hook{Program: "/bin/hook"}, "missing required property: stages"},
		{Hook{Program: "/bin/hook", Stages: []string{"before"}}, `unknown stage "before"`},
		{Hook{Program: "/bin/hook", Stages: []string{"prestart"}, When: When{Annotations: map[string]string{"(": "x"}}}, "invalid annotation key"},
		{Hook{Program: "/bin/hook", Stages: []string{"prestart"}, When: When{Commands: []string{"["}}}, "invalid command"},
	} {
		err := tc.h.Validate(exists)
		if tc.want == "" {
			require.NoError(t, err)
		} else {
			require.ErrorContains(t, err, tc.want)
		}
	}
}

func TestMatch(t *testing.T) {
	qm := Container{Annotations: map[string]string{"org.containers.qm.device.audio": "true", "io.podman.annotations.label": "type:qm_t"},
		Command: "/sbin/init", HasBindMounts: true}
	for _, tc := range []struct {
		name string
		w    When
		want bool
	}{
		{"device annotation", When{Annotations: map[string]string{`^org\.containers\.qm\.device\..*$`: "^.*$"}}, true},
		{"value must match too", When{Annotations: map[string]string{`^org\.containers\.qm\.device\..*$`: "^false$"}}, false},
		{"every pattern must match", When{Annotations: map[string]string{`device\.audio`: "true", `device\.video`: ".*"}}, false},
		{"always", When{Always: boolp(true)}, true},
		{"always false", When{Always: boolp(false), Annotations: map[string]string{".*": ".*"}}, false},
		{"bind mounts", When{HasBindMounts: boolp(true)}, true},
		{"commands decide", When{Always: boolp(true), Commands: []string{"^/bin/sh$"}}, false},
		{"command matches", When{Commands: []string{"init$"}}, true},
		{"no condition", When{}, false},
		{"0.1.0: any condition", When{Or: true, Annotations: map[string]string{".*": "^nothing$"}, HasBindMounts: boolp(true)}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.w.Match(qm)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
	_, err := When{Commands: []string{"x"}}.Match(Container{})
	require.Error(t, err)
}

func TestKeyedOnQM(t *testing.T) {
	for p, want := range map[string]bool{
		`^org\.containers\.qm\.device\..*$`:         true,
		`org\.containers\.qm\.device`:               false, // unanchored: any key containing it
		`^org.containers.qm.x`:                      false,
		`^(org\.containers\.qm\.a|io\.x)`:           false,
		`^org\.containers\.qm\.wayland-client\..*$`: true,
	} {
		h := Hook{When: When{Annotations: map[string]string{p: ".*"}}}
		require.Equal(t, want, h.KeyedOnQM(), p)
	}
}

func TestLoadOverridesByName(t *testing.T) {
	fsys := imagefs.Map{
		"/usr/share/containers/oci/hooks.d/qm.json":      string(readHook(t, "qm-device-manager.json")),
		"/usr/share/containers/oci/hooks.d/gpu.json":     string(readHook(t, "always.json")),
		"/usr/share/containers/oci/hooks.d/README":       "not a hook",
		"/usr/share/containers/oci/hooks.d/bad.json":     `{"version": "1.0.0", "hook": {"path": "/usr/bin/gpu-hook"}, "stages": ["later"]}`,
		"/etc/containers/oci/hooks.d/gpu.json":           `{"version": "1.0.0", "hook": {"path": "/usr/bin/none"}, "when": {"always": true}, "stages": ["prestart"]}`,
		"/usr/libexec/oci/hooks.d/oci-qm-device-manager": "#!/bin/sh\n",
		"/usr/bin/gpu-hook":                              "#!/bin/sh\n",
	}
	hooks, problems := Load(fsys, []string{DefaultDir, "/etc/containers/oci/hooks.d"})
	require.Len(t, hooks, 2)
	require.Equal(t, "gpu.json", hooks[0].Name)
	require.Len(t, problems, 2)
	require.True(t, problems[0].Fatal, "an unknown stage fails podman")
	require.False(t, problems[1].Fatal, "a missing program only drops the hook")
}

func FuzzParseHook(f *testing.F) {
	entries, err := os.ReadDir("testdata")
	require.NoError(f, err)
	for _, e := range entries {
		if !e.IsDir() {
			f.Add(readHook(f, e.Name()), "org.containers.qm.device.audio", "true")
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, key, value string) {
		h, err := ParseHook(data, "fuzz.json")
		if err != nil {
			return
		}
		if h.Validate(func(string) bool { return true }) != nil {
			return
		}
		_, _ = h.When.Match(Container{Annotations: map[string]string{key: value}, Command: "/sbin/init"})
		_ = h.When.MatchedAnnotations(map[string]string{key: value})
		_ = h.KeyedOnQM()
	})
}

// TestPackagedHooksAreQMs: the hooks.d files qm-oci-hooks ships (written from
// the annotation table, testdata/oci-qm-*.json) load and are QM's device
// hooks, so the checker counts their grants and does not report them.
func TestPackagedHooksAreQMs(t *testing.T) {
	for _, name := range []string{"oci-qm-device-manager.json", "oci-qm-seat-manager.json", "oci-qm-wayland-client-devices.json"} {
		h, err := ParseHook(readHook(t, name), name)
		require.NoError(t, err, name)
		require.NoError(t, h.Validate(func(string) bool { return true }), name)
		require.True(t, h.KeyedOnQM(), name)
		require.Contains(t, h.Stages, "precreate", name)
	}
}
