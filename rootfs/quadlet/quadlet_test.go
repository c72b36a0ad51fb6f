package quadlet

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs/unitfile"
	"github.com/qm-build/qm-build/test/golden"
	"github.com/qm-build/qm-build/test/verifiers"
)

func allOptions() Options {
	return Options{
		MemoryMax: "2G", MemoryHigh: "1536M", CPUWeight: "50", Writable: true,
		Network: "host", Timezone: "Europe/Berlin", VarPartition: true,
		Volumes: []string{"/srv/maps:/srv/maps:ro"}, Devices: []string{"/dev/null", "-/dev/zero"},
	}
}

func TestGoldenUnits(t *testing.T) {
	for _, tc := range []struct {
		name string
		unit *Unit
	}{
		{"qm.container", QM("")},
		{"options-all.conf", OptionsDropin(allOptions())},
		{"options-memory.conf", OptionsDropin(Options{MemoryMax: "80%"})},
		{"bluechi-socket.conf", BlueChiSocketDropin()},
		{"devices-kvm.conf", DevicesDropin("qm-kvm", []string{"/dev/kvm", "/dev/net/tun"}, nil)},
		{"devices-annotations.conf", DevicesDropin("qm-wayland", nil, []string{"org.containers.qm.device.ttys=true", "org.containers.qm.wayland.seat=seat0"})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			golden.Check(t, filepath.Join("testdata", tc.name+".golden"), tc.unit.Bytes())
			// What we write reads back to the same entries.
			f, err := unitfile.ParseBytes(tc.unit.Bytes(), tc.name)
			require.NoError(t, err)
			require.NoError(t, CheckKeys(f))
		})
	}
}

func TestOptionsDropinIsNilWithoutOptions(t *testing.T) {
	require.Nil(t, OptionsDropin(Options{}))
	require.NotNil(t, OptionsDropin(Options{Writable: true}))
}

func TestOptionsDropinSettings(t *testing.T) {
	f := OptionsDropin(allOptions()).File("o.conf")
	for _, tc := range []struct {
		group, key string
		want       []string
	}{
		{GroupService, KeyMemoryMax, []string{"2G"}},
		{GroupService, KeyMemoryHigh, []string{"1536M"}},
		{GroupService, KeyCPUWeight, []string{"50"}},
		{GroupContainer, KeyReadOnly, []string{"false"}},
		{GroupContainer, KeyNetwork, []string{"host"}},
		{GroupContainer, KeyTimezone, []string{"Europe/Berlin"}},
		{GroupContainer, KeyVolume, []string{"/srv/maps:/srv/maps:ro"}},
		{GroupContainer, KeyAddDevice, []string{"-/dev/null", "-/dev/zero"}},
		{GroupUnit, KeyRequiresMountsFor, []string{"/var/qm"}},
	} {
		t.Run(tc.group+"."+tc.key, func(t *testing.T) {
			require.Equal(t, tc.want, f.LookupAll(tc.group, tc.key))
		})
	}
}

func TestSupportedKeysAreSortedAndKnownToQuadlet(t *testing.T) {
	keys := SupportedKeys()[GroupContainer]
	require.True(t, sort.StringsAreSorted(keys), "SupportedKeys must stay sorted (Supported uses binary search)")
	// Every key qm-build renders in [Container] is in the table.
	for _, r := range rows() {
		if r.group == GroupContainer {
			require.True(t, Supported(r.group, r.key), r.key)
		}
	}
	// The real quadlet accepts every key of the table: a unit using all of them
	// fails, if at all, for some other reason than an unsupported key.
	q := verifiers.Quadlet(t)
	dir := t.TempDir()
	f := unitfile.New("all.container")
	for _, k := range keys {
		f.Add(GroupContainer, k, "x")
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "all.container"), f.Bytes(), 0o644))
	r := verifiers.Cmd{Env: []string{"QUADLET_UNIT_DIRS=" + dir}}.Run(t, q, "-dryrun")
	require.NotContains(t, r.Stderr, "unsupported key")
}

func TestCheckKeysAgreesWithQuadletOnABrokenDropin(t *testing.T) {
	q := verifiers.Quadlet(t)
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "qm.container.d"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "qm.container"), QM("").Bytes(), 0o644))
	broken := "[Container]\nAddDevice=-/dev/null\nBogusKey=1\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "qm.container.d", "99-broken.conf"), []byte(broken), 0o644))

	f, err := unitfile.ParseBytes([]byte(broken), "99-broken.conf")
	require.NoError(t, err)
	err = CheckKeys(f)
	require.EqualError(t, err, `99-broken.conf:3: unsupported key "BogusKey" in group "Container"`)

	r := verifiers.Cmd{Env: []string{"QUADLET_UNIT_DIRS=" + dir}}.Run(t, q, "-dryrun")
	require.NotEqual(t, 0, r.Code)
	require.Contains(t, r.Stderr, "unsupported key 'BogusKey' in group 'Container'")
}

// TestQMConvertsAndVerifies runs the real quadlet on the base unit with every
// qm-build drop-in and systemd-analyze verify on the generated service.
func TestQMConvertsAndVerifies(t *testing.T) {
	q := verifiers.Quadlet(t)
	sa := verifiers.Need(t, "systemd-analyze")
	dir := t.TempDir()
	units := filepath.Join(dir, "units")
	require.NoError(t, os.MkdirAll(filepath.Join(units, "qm.container.d"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(units, "qm.container"), QM("Europe/Berlin").Bytes(), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(units, "qm.container.d", OptionsDropinName), OptionsDropin(Options{MemoryMax: "2G", MemoryHigh: "1G", Devices: []string{"/dev/null"}}).Bytes(), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(units, "qm.container.d", BlueChiSocketDropinName), BlueChiSocketDropin().Bytes(), 0o644))

	root := verifiers.SystemdStubRoot(t, dir)
	gen := filepath.Join(root, "etc", "systemd", "system")
	r := verifiers.Cmd{Env: []string{"QUADLET_UNIT_DIRS=" + units}}.Run(t, q, "-no-kmsg-log", gen)
	require.Equal(t, 0, r.Code, r.Stderr)
	svcData, err := os.ReadFile(filepath.Join(gen, "qm.service"))
	require.NoError(t, err)
	svc, err := unitfile.ParseBytes(svcData, "qm.service")
	require.NoError(t, err)

	exec, _ := svc.Lookup(GroupService, "ExecStart")
	for _, want := range []string{"--tz Europe/Berlin", "--device /dev/null", "-v /run/bluechi/bluechi.sock:/run/bluechi.sock", "--rootfs /usr/lib/qm/rootfs /sbin/init"} {
		require.Contains(t, exec, want)
	}
	mm, _ := svc.Lookup(GroupService, KeyMemoryMax)
	require.Equal(t, "2G", mm)

	v := verifiers.Cmd{}.Run(t, sa, "verify", "--man=no", "--recursive-errors=no", "--root="+root, "qm.service")
	require.Equal(t, 0, v.Code, v.Stdout+v.Stderr)
	require.Empty(t, strings.TrimSpace(v.Stderr))
}
