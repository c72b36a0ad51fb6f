package rootfs

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/test/verifiers"
)

func newPlan(t *testing.T, o Options) (*Plan, error) {
	t.Helper()
	cat, err := rpmspec.Builtin()
	require.NoError(t, err)
	return NewPlan(o, cat)
}

func TestBadOptionsNameTheirFlag(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    Options
		flag string
		msg  string
	}{
		{"malformed size", Options{MemoryMax: "12XB"}, "--memory-max", `"12XB" is not a memory size`},
		{"zero size", Options{MemoryHigh: "0"}, "--memory-high", "must be more than 0"},
		{"percentage over 100", Options{MemoryMax: "101%"}, "--memory-max", "not a percentage"},
		{"percentage NaN", Options{MemoryMax: "nan%"}, "--memory-max", "not a percentage"},
		{"percentage a hair over 100", Options{MemoryHigh: "100.00000000000000001%"}, "--memory-high", "not a percentage"},
		{"cpu weight 0", Options{CPUWeight: "0"}, "--cpu-weight", "not a CPU weight"},
		{"cpu weight word", Options{CPUWeight: "low"}, "--cpu-weight", "not a CPU weight"},
		{"unknown network", Options{Network: "wifi"}, "--network", `unknown network mode "wifi"`},
		{"relative ns path", Options{Network: "ns:run/netns/x"}, "--network", "unknown network mode"},
		{"bad timezone", Options{Timezone: "../../etc/shadow"}, "--timezone", "not a time zone name"},
		{"invalid hostname", Options{Hostname: "bad_name"}, "--hostname", `contains '_'`},
		{"hostname with space", Options{Hostname: "a b"}, "--hostname", `contains ' '`},
		{"volume without container path", Options{Volumes: []string{"/srv"}}, "--volume", "want HOST:CONTAINER"},
		{"relative volume", Options{Volumes: []string{"srv:/srv"}}, "--volume", "not an absolute, clean path"},
		{"bad volume option", Options{Volumes: []string{"/srv:/srv:ro;rm -rf"}}, "--volume", "bad mount option"},
		{"device outside /dev", Options{Devices: []string{"/etc/shadow"}}, "--device", "not a device path under /dev"},
		{"device bad permissions", Options{Devices: []string{"/dev/kvm:/dev/kvm:rwx"}}, "--device", "permissions"},
		{"forbidden device", Options{Devices: []string{"/dev/mem"}}, "--device", "QM must never get /dev/mem: it reaches the host's physical memory"},
		{"forbidden device, optional, renamed", Options{Devices: []string{"-/dev/sda1:/dev/disk0:r"}}, "--device", "QM must never get /dev/sda1: it is a host block device"},
		{"forbidden device family", Options{Devices: []string{"/dev/disk/by-label/data"}}, "--device", "QM must never get /dev/disk/by-label/data"},
		{"controller host", Options{ControllerHost: "bad host"}, "--controller-host", "not an IP address or host name"},
		{"port without host", Options{ControllerPort: 842}, "--controller-port", "needs --controller-host"},
		{"port out of range", Options{ControllerHost: "ctl", ControllerPort: 70000}, "--controller-port", "not a TCP port"},
		{"socket and host", Options{ControllerHost: "ctl", ControllerSocket: true}, "--controller-socket", "do not also give --controller-host"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newPlan(t, tc.o)
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.flag+": ")
			require.Contains(t, err.Error(), tc.msg)
			var bi interface{ BadInput() bool }
			require.ErrorAs(t, err, &bi)
			require.True(t, bi.BadInput())
		})
	}
}

func TestEveryProblemIsReportedAtOnce(t *testing.T) {
	_, err := newPlan(t, Options{MemoryMax: "12XB", Network: "wifi", Hostname: "-x"})
	require.Error(t, err)
	for _, flag := range []string{"--memory-max", "--network", "--hostname"} {
		require.Contains(t, err.Error(), flag)
	}
}

func TestGoodOptions(t *testing.T) {
	p, err := newPlan(t, Options{
		MemoryMax: "2G", MemoryHigh: "75%", CPUWeight: "idle", Network: "ns:/run/netns/qm",
		Timezone: "America/Argentina/Buenos_Aires", Volumes: []string{"/srv:/srv:ro,Z", "/a:/b"},
		Devices: []string{"-/dev/dri", "/dev/ttyUSB0:/dev/ttyUSB0:rw"}, Hostname: "ecu-7.lab",
		ControllerHost: "fd00::1", ControllerPort: 2020,
	})
	require.NoError(t, err)
	require.Equal(t, []string{"/dev/dri", "/dev/ttyUSB0:/dev/ttyUSB0:rw"}, p.Devices, "a leading '-' is dropped: every extra device is optional")
}

// TestMemoryValuesSystemdAccepts checks ValidMemory against systemd itself:
// every value ValidMemory accepts, systemd-analyze verify accepts too, and the
// usual forms are accepted by both.
func TestMemoryValuesSystemdAccepts(t *testing.T) {
	sa := verifiers.Need(t, "systemd-analyze")
	values := []string{"2G", "1.5G", "512M", "512B", "512", "0.5K", "1T", "80%", "12.5%", "100%", "0.1%", "infinity",
		"12XB", "2GB", "2g", "101%", "0", "0%", "0K", "-1", "1e3", "1G512M", "%", "G", ""}
	dir := t.TempDir()
	root := verifiers.SystemdStubRoot(t, dir)
	var unit strings.Builder
	unit.WriteString("[Service]\nExecStart=/usr/bin/podman\n")
	lineOf := map[int]string{}
	for i, v := range values {
		fmt.Fprintf(&unit, "MemoryMax=%s\n", v)
		lineOf[3+i] = v
	}
	require.NoError(t, os.WriteFile(filepath.Join(root, "etc/systemd/system/mem.service"), []byte(unit.String()), 0o644))
	r := verifiers.Run(t, sa, "verify", "--man=no", "--recursive-errors=no", "--root="+root, "mem.service")
	rejected := map[string]bool{}
	for _, m := range regexp.MustCompile(`mem\.service:(\d+): `).FindAllStringSubmatch(r.Stderr+r.Stdout, -1) {
		n, _ := strconv.Atoi(m[1])
		rejected[lineOf[n]] = true
	}
	require.True(t, rejected["12XB"], "systemd rejects 12XB: %s", r.Stderr)
	for _, v := range values {
		t.Run(v, func(t *testing.T) {
			if ValidMemory(v) == nil {
				require.False(t, rejected[v], "qm-build accepts %q but systemd rejects it", v)
			}
		})
	}
	for _, v := range []string{"2G", "512M", "80%", "infinity"} {
		require.NoError(t, ValidMemory(v))
		require.False(t, rejected[v])
	}
}
