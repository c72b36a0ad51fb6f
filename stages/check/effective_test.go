package check

import (
	"context"
	"github.com/qm-build/qm-build/rpmspec"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs/quadlet"
	"github.com/qm-build/qm-build/stages/check/target"
)

// qmTree writes qm-build's base unit and the given files (image path →
// content) into a new tree and checks it.
func qmTree(t *testing.T, files map[string]string) *Report {
	t.Helper()
	dir := t.TempDir()
	files[rpmspec.QuadletPath] = string(quadlet.QM("UTC").Bytes())
	for p, body := range files {
		full := filepath.Join(dir, p)
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, []byte(body), 0o644))
	}
	tg, err := target.Open(dir, target.Options{})
	require.NoError(t, err)
	defer tg.Close()
	r, err := Run(context.Background(), tg, Options{RootUID: os.Geteuid(), RootGID: os.Getegid()})
	require.NoError(t, err)
	return r
}

func findingOf(t *testing.T, r *Report, rule string) Finding {
	t.Helper()
	for _, f := range r.Findings() {
		if f.Rule == rule {
			return f
		}
	}
	require.Failf(t, "no finding", "%s not in:\n%s", rule, reportText(t, r))
	return Finding{}
}

func TestChains(t *testing.T) {
	const dropins = "/etc/containers/systemd/qm.container.d/"
	for _, tc := range []struct {
		name  string
		files map[string]string
		rule  string
		want  []Link
	}{
		{"PodmanArgs win over ReadOnly=", map[string]string{dropins + "90.conf": "[Container]\nPodmanArgs=--pids-limit=10 \\\n  --read-only=false\n"},
			"QM106", []Link{
				{Path: dropins + "90.conf", Line: 2, Note: "PodmanArgs=--pids-limit=10 --read-only=false"},
				{Path: "/run/systemd/generator/qm.service", Note: "ExecStart= that quadlet generates from /usr/share/containers/systemd/qm.container"},
			}},
		{"a drop-in's ExecStart resets the generated one", map[string]string{"/etc/systemd/system/qm.service.d/50.conf": "[Service]\nExecStart=\nExecStart=/usr/bin/podman run --rootfs / /sbin/init\n"},
			"QM102", []Link{
				{Path: "/etc/systemd/system/qm.service.d/50.conf", Line: 3, Note: "ExecStart=/usr/bin/podman run --rootfs / /sbin/init, which resets the ExecStart= quadlet generates"},
			}},
		{"an environment file sets a variable of Volume=", map[string]string{
			dropins + "10-vol.conf":                   "[Container]\nVolume=\nVolume=${DATA}:/var\nVolume=/var/qm/tmp:/var/tmp\n",
			"/etc/systemd/system/qm.service.d/e.conf": "[Service]\nEnvironmentFile=/etc/qm.env\n",
			"/etc/qm.env":                             "# data\nDATA=/srv\n"},
			"QM117", []Link{
				{Path: dropins + "10-vol.conf", Line: 3, Note: "Volume=${DATA}:/var"},
				{Path: "/etc/qm.env", Line: 2, Note: "sets DATA=/srv"},
				{Path: "/run/systemd/generator/qm.service", Note: "ExecStart= that quadlet generates from /usr/share/containers/systemd/qm.container"},
			}},
		{"a containers.conf setting", map[string]string{"/etc/containers/containers.conf.d/50.conf": "# privileged\n[containers]\nprivileged = true\n"},
			"QM108", []Link{{Path: "/etc/containers/containers.conf.d/50.conf", Line: 3, Note: "[containers] privileged = true in the containers.conf podman reads for QM"}}},
		{"a qm.service setting quadlet passes through", map[string]string{dropins + "20.conf": "[Service]\nOOMScoreAdjust=-1\n"},
			"QM201", []Link{
				{Path: dropins + "20.conf", Line: 2, Note: "OOMScoreAdjust=-1, which quadlet passes into qm.service"},
				{Path: "/run/systemd/generator/qm.service", Note: "qm.service as quadlet generates it, with its drop-ins applied by systemd"},
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := findingOf(t, qmTree(t, tc.files), tc.rule)
			require.Equal(t, tc.want, f.Chain)
			require.Equal(t, tc.want[0].Path, f.Path)
			require.Equal(t, tc.want[0].Line, f.Line)
		})
	}
}

func TestForbiddenCgroupRule(t *testing.T) {
	for rule, want := range map[string]string{
		"c 1:1 rwm":    "/dev/mem",
		"c 1:3 rwm":    "",
		"b 8:0 r":      "host block devices",
		"a *:* rwm":    "every device",
		"c *:* m":      "every character device",
		"c 10:130 rw":  "/dev/watchdog",
		"c 21:* rw":    "/dev/sg*",
		"c 90:3 r":     "/dev/mtd*",
		"c 5:1 rw":     "/dev/console",
		"c 136:* rwm":  "",
		"c 1:* rwm":    "/dev/mem",
		"not-a-rule":   "devices podman cannot parse",
		"c 10:223 rwm": "/dev/uinput",
	} {
		require.Equal(t, want, forbiddenCgroupRule(rule), rule)
	}
}

func TestQMPathIn(t *testing.T) {
	require.Equal(t, "/var/qm/crun", qmPathIn("/var/qm/crun"))
	require.Equal(t, "/etc/qm/hooks", qmPathIn("/usr/share/hooks,/etc/qm/hooks"))
	require.Equal(t, "/usr/lib/qm/x", qmPathIn("overlay.mount_program=/usr/lib/qm/x"))
	require.Equal(t, "", qmPathIn("/usr/bin/crun"))
	require.Equal(t, "", qmPathIn("/var/qmx"))
}

// TestForbiddenDevices: QM110 knows the devices issue 17 (item 11) lists, by
// AddDevice= and by a device given in PodmanArgs.
func TestForbiddenDevices(t *testing.T) {
	for _, dev := range []string{"/dev/sg0", "/dev/bsg", "/dev/mtd0", "/dev/mtd1ro", "/dev/root", "/dev/watchdog",
		"/dev/watchdog0", "/dev/uinput", "/dev/mem", "/dev/disk/by-uuid/x", "/dev/../dev/kmsg"} {
		t.Run(dev, func(t *testing.T) {
			r := qmTree(t, map[string]string{"/etc/containers/systemd/qm.container.d/90.conf": "[Container]\nAddDevice=" + dev + "\n"})
			require.Contains(t, r.RuleIDs(), "QM110", reportText(t, r))
			require.NotContains(t, r.RuleIDs(), "QM111", "QM110's devices are not QM111's too")
			r = qmTree(t, map[string]string{"/etc/containers/systemd/qm.container.d/90.conf": "[Container]\nPodmanArgs=--device=" + dev + ":/dev/x\n"})
			require.Contains(t, r.RuleIDs(), "QM110", reportText(t, r))
		})
	}
	r := qmTree(t, map[string]string{"/etc/containers/systemd/qm.container.d/90.conf": "[Container]\nAddDevice=-/dev/ttyS0\n"})
	require.Contains(t, r.RuleIDs(), "QM111", "an ordinary device is QM111's")
	require.NotContains(t, r.RuleIDs(), "QM110", "an ordinary device is not QM110's")
}
