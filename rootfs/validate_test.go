package rootfs

import (
	"fmt"
	"math"
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

// TestBadOptionsNameTheirFlag: each problem names its option by its neutral
// name, and the CLI's spelling of it (Spell with FlagSpelling) names the
// flag, in the field and in the message.
func TestBadOptionsNameTheirFlag(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    Options
		flag string
		msg  string
	}{
		{"malformed size", Options{MemoryMax: "12XB"}, "--memory-max", `"12XB" is not a memory size`},
		{"zero size", Options{MemoryHigh: "0"}, "--memory-high", "must be at least one byte"},
		{"percentage over 100", Options{MemoryMax: "101%"}, "--memory-max", "out of range"},
		{"16E, which systemd ignores", Options{MemoryMax: "16E"}, "--memory-max", "out of range: systemd takes a memory limit below 16E"},
		{"2^64 bytes", Options{MemoryHigh: "18446744073709551616"}, "--memory-high", "out of range"},
		{"three decimal places", Options{MemoryMax: "50.125%"}, "--memory-max", "at most two decimal places"},
		{"unknown distribution", Options{Distro: "rhel9"}, "--distro", `unknown distribution "rhel9"; supported: cs9 (centos-9), cs10 (centos-10)`},
		{"unknown architecture", Options{Arch: "ppc64le"}, "--arch", `unknown architecture "ppc64le"`},
		{"time zone not in the tz database", Options{Timezone: "Mars/Base"}, "--timezone", "not a time zone of the tz database"},
		{"a newline in a volume", Options{Volumes: []string{"/a:/b\nPodmanArgs=x"}}, "--volume", "has a line break"},
		{"a newline in the hostname", Options{Hostname: "a\nb"}, "--hostname", "has a line break"},
		{"an empty drop-in name", Options{Dropins: []string{""}}, "--dropin", "has an empty drop-in name"},
		{"an empty name in a list", Options{Dropins: []string{"kvm,,radio"}}, "--dropin", "has an empty drop-in name"},
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
		{"controller host", Options{Controller: Controller{Host: "bad host"}}, "--controller-host", "not an IP address or host name"},
		{"port without host", Options{Controller: Controller{Port: 842}}, "--controller-port", "needs --controller-host"},
		{"port out of range", Options{Controller: Controller{Host: "ctl", Port: 70000}}, "--controller-port", "not a TCP port"},
		{"socket and host", Options{Controller: Controller{Host: "ctl", Socket: true}}, "--controller-socket", "do not also give --controller-host"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newPlan(t, tc.o)
			require.Error(t, err)
			name, ok := FieldForFlag(tc.flag)
			require.True(t, ok, tc.flag)
			require.Contains(t, err.Error(), name+": ", "the neutral name")
			require.NotContains(t, err.Error(), "--", "no flag before a front end spells it")
			err = Spell(err, FlagSpelling)
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
	err = Spell(err, FlagSpelling)
	for _, flag := range []string{"--memory-max", "--network", "--hostname"} {
		require.Contains(t, err.Error(), flag)
	}
}

func TestGoodOptions(t *testing.T) {
	p, err := newPlan(t, Options{
		MemoryMax: "2G", MemoryHigh: "75%", CPUWeight: "idle", Network: "ns:/run/netns/qm",
		Timezone: "America/Argentina/Buenos_Aires", Volumes: []string{"/srv:/srv:ro,Z", "/a:/b"},
		Devices: []string{"-/dev/dri", "/dev/ttyUSB0:/dev/ttyUSB0:rw"}, Hostname: "ecu-7.lab",
		Controller: Controller{Host: "fd00::1", Port: 2020},
	})
	require.NoError(t, err)
	require.Equal(t, []string{"/dev/dri", "/dev/ttyUSB0:/dev/ttyUSB0:rw"}, p.Devices, "a leading '-' is dropped: every extra device is optional")
}

// TestMemoryValuesSystemdAccepts checks ValidMemory against systemd itself
// (systemd-analyze verify as the oracle): every value ValidMemory accepts,
// systemd accepts too, and every value it refuses, systemd refuses (and
// ignores: QM would run unlimited), but for the few forms qm-build refuses
// on purpose.
func TestMemoryValuesSystemdAccepts(t *testing.T) {
	sa := verifiers.Need(t, "systemd-analyze")
	values := []string{"2G", "1.5G", "512M", "512B", "512", "0.5K", "1T", "80%", "12.5%", "100%", "0.1%", "infinity",
		"12XB", "2GB", "2g", "101%", "0", "0%", "0K", "-1", "1e3", "1G512M", "%", "G", "",
		// Issue 17 (item 9): limits systemd ignores, so that QM would run
		// unlimited, and their neighbours within range.
		"16E", "15E", "18446744073709551616", "18446744073709551615", "18446744073709551614",
		"15.999999E", "15.0E", "0.0001K", "0.5", "1.5", "50.123%", "50.12%", ".5%", "100.01%", "100.0%", "5.%", "99999999999999999999999G"}
	// stricter lists the values systemd takes and qm-build refuses on
	// purpose: a composite or spaced size, and the empty value (a reset).
	stricter := map[string]bool{"1G512M": true, "": true}
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
			} else if !stricter[v] {
				require.True(t, rejected[v], "qm-build refuses %q but systemd takes it", v)
			}
		})
	}
	for _, v := range []string{"2G", "512M", "80%", "infinity"} {
		require.NoError(t, ValidMemory(v))
		require.False(t, rejected[v])
	}
}

// TestUserDropinsThatCollide: two user drop-ins claiming one file are bad
// input naming both, found when the packages are composed (the drop-ins are
// rpmspec's fixtures, testdata/dropins/collide).
func TestUserDropinsThatCollide(t *testing.T) {
	cat, err := rpmspec.Builtin()
	require.NoError(t, err)
	names, err := cat.AddDir(os.DirFS(filepath.Join("..", "rpmspec", "testdata", "dropins", "collide")), "collide")
	require.NoError(t, err)
	plan, err := NewPlan(Options{Dropins: names}, cat)
	require.NoError(t, err)
	_, err = Compose(plan, Facts{})
	require.ErrorIs(t, err, rpmspec.ErrInvalid)
	require.True(t, rpmspec.IsBadInput(err))
	require.Equal(t, "collide/b.yaml:5: path: /etc/qm/containers/containers.conf.d/shared.conf is claimed by both qm-first (collide/a.yaml:5) and qm-second", err.Error())
}

// TestDropinCannotClaimStagePaths (issue 17, item 6): a user drop-in file at
// a path a tree stage writes is refused when the content is composed,
// naming the drop-in's file and line and the stage; elsewhere in the same
// directory it is taken.
func TestDropinCannotClaimStagePaths(t *testing.T) {
	cat, err := rpmspec.Builtin()
	require.NoError(t, err)
	dropin := func(p string) string {
		return "name: claim\nsummary: s\ndescription: d\nfiles:\n  - path: " + p + "\n    mode: \"0644\"\n    content: |\n      [Container]\n      PodmanArgs=--privileged\n"
	}
	for _, tc := range []struct{ name, path, want string }{
		{"the options drop-in", "/etc/containers/systemd/qm.container.d/50-qm-build-options.conf",
			"claim.yaml:5: files: /etc/containers/systemd/qm.container.d/50-qm-build-options.conf is written by qm-build's quadlet-dropins stage; a drop-in (qm-claim) cannot claim it"},
		{"a file of its own", "/etc/containers/systemd/qm.container.d/60-claim.conf", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := rpmspec.ParseDropin([]byte(dropin(tc.path)), "claim.yaml")
			require.NoError(t, err)
			c, err := rpmspec.NewCatalog(append(cat.All(), d)...)
			require.NoError(t, err)
			p, err := NewPlan(Options{Dropins: []string{"claim"}, MemoryMax: "2G"}, c)
			require.NoError(t, err)
			_, err = Compose(p, Facts{})
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, tc.want)
			require.True(t, rpmspec.IsBadInput(err))
		})
	}
}

// FuzzValidMemory: ValidMemory never panics, and a size it accepts is, by
// its own arithmetic, at least one byte and below 2^64-1: the whole part
// alone fits in 64 bits once multiplied by the suffix.
func FuzzValidMemory(f *testing.F) {
	for _, s := range []string{"2G", "16E", "15.5E", "0.5", "80%", "100.00%", "infinity", "18446744073709551614", "1e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if ValidMemory(v) != nil || v == "infinity" || strings.HasSuffix(v, "%") {
			return
		}
		num := strings.TrimRight(v, "BKMGTPE")
		whole, _, _ := strings.Cut(num, ".")
		n, err := strconv.ParseUint(whole, 10, 64)
		require.NoError(t, err, "%q: the whole part fits in 64 bits", v)
		shift := map[string]uint{"": 0, "B": 0, "K": 10, "M": 20, "G": 30, "T": 40, "P": 50, "E": 60}[v[len(num):]]
		require.LessOrEqual(t, n, uint64(math.MaxUint64)>>shift, "%q", v)
	})
}
