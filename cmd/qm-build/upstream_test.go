package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs/ocihooks"
	"github.com/qm-build/qm-build/rpmspec/rpm/rpmtest"
	"github.com/qm-build/qm-build/test/verifiers"
)

// upstreamRelations are the relations of upstream QM's drop-in packages
// today (containers/qm main: rpm/*/*.spec), and qm-build's, which differ
// only where a comment says why. VERSION is qm's version, each relation
// "name op version" as `rpm -qp --requires` prints it.
var upstreamRelations = []struct {
	pkg, file          string
	upstream           []string // upstream's Requires
	requires, provides []string // qm-build's, besides rpmlib() and config()
}{
	{"qm-kvm", "qm-kvm-1.0-1.noarch.rpm", []string{"qm >= VERSION"},
		[]string{"qm >= 1.0-1"},
		[]string{"qm-kvm = 1.0-1", "qm-mount-bind-kvm = 1.0-1", "qm_mount_bind_kvm = 1.0-1"}},
	{"qm-sound", "qm-sound-1.0-1.noarch.rpm", []string{"qm >= VERSION", "qm-oci-hooks"},
		[]string{"qm >= 1.0-1", "qm-oci-hooks"},
		[]string{"qm-mount-bind-sound = 1.0-1", "qm-sound = 1.0-1", "qm_mount_bind_snd = 1.0-1", "qm_mount_bind_sound = 1.0-1"}},
	{"qm-mount-bind-video", "qm-mount-bind-video-1.0-1.noarch.rpm", []string{"qm >= VERSION"},
		[]string{"qm >= 1.0-1"},
		[]string{"qm-mount-bind-video = 1.0-1", "qm-video = 1.0-1", "qm_mount_bind_video = 1.0-1"}},
	{"qm-ros2", "qm-ros2-1.0-1.noarch.rpm", []string{"qm >= VERSION"},
		[]string{"qm >= 1.0-1"},
		[]string{"qm-ros2 = 1.0-1", "qm-ros2-rolling = 1.0-1", "qm_ros2_rolling = 1.0-1"}},
	// Upstream requires qm-mount-bind-sound, a name no package of upstream's
	// provides any more, and espeak on the host; qm-build requires qm-sound
	// (which provides qm-mount-bind-sound, so upstream's relation resolves
	// too), and espeak-ng runs in the nested container's image.
	{"qm-text2speech", "qm-text2speech-1.0-1.noarch.rpm", []string{"qm >= VERSION", "qm-mount-bind-sound", "espeak"},
		[]string{"qm >= 1.0-1", "qm-sound >= 1.0-1"},
		[]string{"qm-text2speech = 1.0-1", "qm_text2speech = 1.0-1"}},
	// Upstream's hooks are shell scripts that need jq, udev's tools and
	// find; qm-build's hook is one static Go program that needs nothing.
	{"qm-oci-hooks", "qm-oci-hooks-0.1.0-1.x86_64.rpm", []string{"jq", "systemd-udev", "findutils"},
		nil,
		[]string{"qm-oci-hooks = 0.1.0-1", "qm-oci-hooks(x86-64) = 0.1.0-1"}},
	// Upstream's package goes inside QM and only recommends the hooks; this
	// one goes on the host, annotates QM's container for the seat's devices
	// (so it requires the hooks and qm), and ships a shell script (/bin/sh,
	// as rpmbuild derives it).
	{"qm-wayland", "qm-wayland-0.1.0-1.noarch.rpm", []string{"systemd"},
		[]string{"/bin/sh", "qm >= 1.0-1", "qm-oci-hooks", "systemd"},
		[]string{"qm-wayland = 0.1.0-1"}},
}

// TestRelationsMatchUpstream writes every package with `qm-build rpm` and
// compares `rpm -qp --requires` and `--provides` with upstream's relations
// (upstreamRelations): the same names, upstream's own relations kept, and
// each difference explained there.
func TestRelationsMatchUpstream(t *testing.T) {
	r := rpmtest.NewRPM(t)
	out := t.TempDir()
	res := runCLI(t, []string{rpmTestEpoch}, "rpm", "--dropin", "all", "--hook-binary", hookBinary(t), "--out", out)
	require.Equal(t, exitOK, res.code, res.stderr)
	query := func(file, what string) []string {
		var keep []string
		for _, l := range rpmtest.Lines(r.Query(t, "[%{"+what+"NEVRS}\n]", filepath.Join(out, file))) {
			if !strings.HasPrefix(l, "rpmlib(") && !strings.HasPrefix(l, "config(") {
				keep = append(keep, l)
			}
		}
		sort.Strings(keep)
		return keep
	}
	for _, u := range upstreamRelations {
		t.Run(u.pkg, func(t *testing.T) {
			require.FileExists(t, filepath.Join(out, u.file))
			require.Equal(t, u.requires, query(u.file, "REQUIRE"))
			require.Equal(t, u.provides, query(u.file, "PROVIDE"))
		})
	}
	t.Run("upstream's text2speech requirement resolves to qm-sound", func(t *testing.T) {
		require.Contains(t, query("qm-sound-1.0-1.noarch.rpm", "PROVIDE"), "qm-mount-bind-sound = 1.0-1")
	})
}

// TestSoundDeviceThroughTheHook is the whole path of an annotation-driven
// device: qm-build writes qm, qm-sound and qm-oci-hooks; rpm installs them
// into a root (qm-sound alone is refused: it requires the hook package); the
// real quadlet turns the installed qm.container and its drop-ins into the
// podman line, which carries qm-sound's annotation; podman 4.3 creates QM's
// container with that annotation, loads the installed hooks.d files with its
// own loader and runs the installed hook program, which adds the sound
// devices of a fake /dev to the runtime configuration podman writes.
func TestSoundDeviceThroughTheHook(t *testing.T) {
	r := rpmtest.NewRPM(t)
	q := verifiers.Quadlet(t)
	out := t.TempDir()
	res := runCLI(t, []string{rpmTestEpoch}, "rpm", "--dropin", "sound,oci-hooks", "--hook-binary", hookBinary(t), "--out", out)
	require.Equal(t, exitOK, res.code, res.stderr)
	root := t.TempDir()
	rpmIn := func(args ...string) verifiers.Result {
		return r.Run(t, "rpm", append([]string{"--root", root, "--dbpath", "/var/lib/rpm"}, args...)...)
	}
	require.Equal(t, 0, rpmIn("--initdb").Code)
	alone := rpmIn("-ivh", "--noscripts", "--force-debian", filepath.Join(out, "qm-sound-1.0-1.noarch.rpm"))
	require.NotEqual(t, 0, alone.Code)
	require.Contains(t, alone.Stderr, "qm-oci-hooks is needed by qm-sound-1.0-1.noarch")
	files, err := filepath.Glob(filepath.Join(out, "*.rpm"))
	require.NoError(t, err)
	require.Len(t, files, 3)
	inst := rpmIn(append([]string{"-ivh", "--noscripts", "--nodeps", "--force-debian"}, files...)...)
	require.Equal(t, 0, inst.Code, inst.Stdout+inst.Stderr)

	// The podman line of QM's container, from the installed quadlet files.
	dirs := filepath.Join(root, "etc/containers/systemd") + ":" + filepath.Join(root, "usr/share/containers/systemd")
	dry := verifiers.Cmd{Env: []string{"QUADLET_UNIT_DIRS=" + dirs}}.Run(t, q, "-dryrun")
	require.Equal(t, 0, dry.Code, dry.Stderr)
	var annotations []string
	words := strings.Fields(dry.Stdout)
	for i, w := range words {
		if w == "--annotation" {
			annotations = append(annotations, words[i+1])
		}
	}
	require.Equal(t, []string{"org.containers.qm.device.audio=true"}, annotations)

	// The installed hooks.d files, as podman would read them, only pointed
	// at the installed program inside the root and at the fake /dev.
	dev := verifiers.DeviceRoot(t,
		verifiers.DevNode{Path: "dev/snd/controlC0", Major: 116, Minor: 6},
		verifiers.DevNode{Path: "dev/snd/pcmC0D0c", Major: 116, Minor: 24},
		verifiers.DevNode{Path: "dev/video0", Major: 81})
	hooks := t.TempDir()
	installed, err := filepath.Glob(filepath.Join(root, ocihooks.HooksDir, "*.json"))
	require.NoError(t, err)
	require.Len(t, installed, 3)
	for _, f := range installed {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		var c map[string]any
		require.NoError(t, json.Unmarshal(data, &c))
		hook := c["hook"].(map[string]any)
		require.Equal(t, ocihooks.ProgramPath, hook["path"])
		hook["path"] = filepath.Join(root, ocihooks.ProgramPath)
		args := hook["args"].([]any)
		hook["args"] = append([]any{args[0], "--host-root", dev}, args[1:]...)
		data, err = json.Marshal(c)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(hooks, filepath.Base(f)), data, 0o644))
	}
	config, podmanOut := verifiers.PodmanConfig(t, hooks, annotations)
	var c struct {
		Linux struct {
			Devices []struct {
				Path, Type   string
				Major, Minor int64
			} `json:"devices"`
		} `json:"linux"`
	}
	require.NoError(t, json.Unmarshal(config, &c), podmanOut)
	var got []string
	for _, d := range c.Linux.Devices {
		got = append(got, d.Path)
	}
	require.Equal(t, []string{"/dev/snd/controlC0", "/dev/snd/pcmC0D0c"}, got, "the sound devices, not the camera: %s", podmanOut)
}
