package stages

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rootfs/unitfile"
	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/test/verifiers"
)

// quadletCase is one combination of drop-ins for the real generator.
type quadletCase struct {
	name    string
	o       rootfs.Options
	devices []string // devices the drop-ins add (optional: present only if the host has them)
	flags   []string // what the podman run line must carry besides the defaults
	absent  []string // what it must not carry
}

func quadletCases(t *testing.T) []quadletCase {
	cat, err := rpmspec.Builtin()
	require.NoError(t, err)
	cases := []quadletCase{
		{name: "no drop-in", flags: []string{"--read-only", "--network private", "--tz UTC"}, absent: []string{"--read-only=false", "/run/bluechi"}},
		{name: "options drop-in", o: rootfs.Options{MemoryMax: "2G", Writable: true, Network: "host", Timezone: "Europe/Berlin", Volumes: []string{"/srv/maps:/srv/maps:ro"}, Devices: []string{"/dev/null"}},
			devices: []string{"/dev/null"}, flags: []string{"--read-only=false", "--network host", "--tz Europe/Berlin", "-v /srv/maps:/srv/maps:ro"}},
		{name: "bluechi socket drop-in", o: rootfs.Options{Controller: rootfs.Controller{Socket: true}, Hostname: "car1"},
			flags: []string{"-v /run/bluechi/bluechi.sock:/run/bluechi.sock", "--read-only"}},
	}
	all := quadletCase{name: "all drop-ins", o: allOptions(), devices: []string{"/dev/null"},
		flags: []string{"--read-only=false", "--network host", "-v /run/bluechi/bluechi.sock:/run/bluechi.sock"}}
	for _, d := range cat.All() {
		if len(d.Devices.QM) == 0 {
			continue
		}
		cases = append(cases, quadletCase{name: "drop-in " + d.Name, o: rootfs.Options{Dropins: []string{d.Name}}, devices: d.Devices.QM, flags: []string{"--read-only"}})
		all.devices = append(all.devices, d.Devices.QM...)
	}
	return append(cases, all)
}

// runQuadlet runs the real generator in -dryrun over a tree's unit
// directories, /etc before /usr/share as on a host.
func runQuadlet(t *testing.T, tree string) verifiers.Result {
	q := verifiers.Quadlet(t)
	dirs := filepath.Join(tree, "etc/containers/systemd") + ":" + filepath.Join(tree, "usr/share/containers/systemd")
	return verifiers.Cmd{Env: []string{"QUADLET_UNIT_DIRS=" + dirs}}.Run(t, q, "-dryrun")
}

func generatedService(t *testing.T, r verifiers.Result) *unitfile.File {
	require.Equal(t, 0, r.Code, r.Stderr)
	out, ok := strings.CutPrefix(r.Stdout, "---qm.service---\n")
	require.True(t, ok, r.Stdout)
	f, err := unitfile.ParseBytes([]byte(out), "qm.service")
	require.NoError(t, err)
	return f
}

// TestQuadletConvertsEveryDropinCombination writes trees with no drop-in,
// each drop-in alone and all of them, and checks the podman run line the real
// quadlet generates. AddDevice=-X is dropped by quadlet when the host running
// it lacks X, so a device is expected exactly when this host has it.
func TestQuadletConvertsEveryDropinCombination(t *testing.T) {
	defaults := []string{
		"--security-opt label=type:qm_t", "--security-opt label=filetype:qm_file_t",
		"--security-opt label=level:s0", "--security-opt label=nested",
		"--rootfs /usr/lib/qm/rootfs /sbin/init", "--name qm",
		"-v /etc/qm:/etc", "-v /var/qm:/var", "-v /var/qm/tmp:/var/tmp",
		"--sysctl fs.mqueue.queues_max=4", "--cap-add all", "--cap-drop sys_boot", "--cap-drop sys_resource",
		"--security-opt seccomp=/usr/share/qm/seccomp-no-rt.json", "--pids-limit -1", "--read-only-tmpfs",
	}
	for _, tc := range quadletCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeTree(t, dir, tc.o)
			svc := generatedService(t, runQuadlet(t, dir))
			exec, ok := svc.Lookup("Service", "ExecStart")
			require.True(t, ok)
			line := " " + exec + " "
			for _, want := range append(append([]string{}, defaults...), tc.flags...) {
				require.Contains(t, line, " "+want+" ")
			}
			for _, no := range tc.absent {
				require.NotContains(t, line, no)
			}
			for _, d := range append([]string{"/dev/fuse"}, tc.devices...) {
				if _, err := os.Stat(d); err == nil {
					require.Contains(t, line, " --device "+d+" ", "%s exists on this host", d)
				} else {
					require.NotContains(t, line, " --device "+d+" ", "quadlet drops %s, missing on this host", d)
				}
			}
		})
	}
}

func TestQuadletRejectsABrokenDropin(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, rootfs.Options{Dropins: []string{"kvm"}})
	require.Equal(t, 0, runQuadlet(t, dir).Code)
	broken := filepath.Join(dir, "etc/containers/systemd/qm.container.d/99-broken.conf")
	require.NoError(t, os.WriteFile(broken, []byte("[Container]\nAddDevice=-/dev/null\nNotAQuadletKey=1\n"), 0o644))
	r := runQuadlet(t, dir)
	require.NotEqual(t, 0, r.Code)
	require.Contains(t, r.Stderr, "unsupported key 'NotAQuadletKey' in group 'Container'")
}

// TestSystemdVerifiesTheGeneratedService runs the real generator into a stub
// root and systemd-analyze verify on qm.service.
func TestSystemdVerifiesTheGeneratedService(t *testing.T) {
	sa := verifiers.Need(t, "systemd-analyze")
	q := verifiers.Quadlet(t)
	for _, tc := range []struct {
		name string
		o    rootfs.Options
		want map[string]string
	}{
		{"defaults", rootfs.Options{}, map[string]string{"OOMScoreAdjust": "500", "CPUWeight": "idle", "Delegate": "yes", "MemoryMax": "infinity", "MemoryHigh": "infinity", "MemorySwapMax": "0", "TasksMax": "50%", "LimitNOFILE": "65536", "Slice": "-.slice"}},
		{"all options", allOptions(), map[string]string{"OOMScoreAdjust": "500", "CPUWeight": "100", "Delegate": "yes", "MemoryMax": "2G", "MemoryHigh": "1536M"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tree := filepath.Join(dir, "tree")
			writeTree(t, tree, tc.o)
			root := verifiers.SystemdStubRoot(t, dir)
			gen := filepath.Join(root, "etc/systemd/system")
			dirs := filepath.Join(tree, "etc/containers/systemd") + ":" + filepath.Join(tree, "usr/share/containers/systemd")
			r := verifiers.Cmd{Env: []string{"QUADLET_UNIT_DIRS=" + dirs}}.Run(t, q, "-no-kmsg-log", gen)
			require.Equal(t, 0, r.Code, r.Stderr)
			svc, err := unitfile.ParseBytes(mustRead(t, gen, "qm.service"), "qm.service")
			require.NoError(t, err)
			for k, v := range tc.want {
				got, _ := svc.Lookup("Service", k)
				require.Equal(t, v, got, k)
			}
			v := verifiers.Run(t, sa, "verify", "--man=no", "--recursive-errors=no", "--root="+root, "qm.service")
			require.Equal(t, 0, v.Code, v.Stdout+v.Stderr)
			require.Empty(t, strings.TrimSpace(v.Stderr), "systemd-analyze has no complaint")
		})
	}
}

// TestUpstreamParity checks every default of upstream QM's qm.container
// (containers/qm v1.0; qm-upstream.md §3) in the effective unit of a default
// tree, so that a regression shows as a failing row.
func TestUpstreamParity(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, rootfs.Options{})
	m := mergedQuadlet(t, dir)
	for _, row := range []struct {
		group, key string
		want       []string
	}{
		{"Container", "ContainerName", []string{"qm"}},
		{"Container", "Rootfs", []string{"/usr/lib/qm/rootfs"}},
		{"Container", "Exec", []string{"/sbin/init"}},
		{"Container", "SecurityLabelType", []string{"qm_t"}},
		{"Container", "SecurityLabelFileType", []string{"qm_file_t"}},
		{"Container", "SecurityLabelLevel", []string{"s0"}},
		{"Container", "SecurityLabelNested", []string{"true"}},
		{"Container", "ReadOnly", []string{"true"}},
		{"Container", "ReadOnlyTmpfs", []string{"true"}},
		{"Container", "Network", []string{"private"}},
		{"Container", "AddCapability", []string{"all"}},
		{"Container", "DropCapability", []string{"sys_boot sys_resource"}},
		{"Container", "SeccompProfile", []string{"/usr/share/qm/seccomp-no-rt.json"}},
		{"Container", "PidsLimit", []string{"-1"}},
		{"Container", "Sysctl", []string{"fs.mqueue.queues_max=4"}},
		{"Container", "Volume", []string{"/etc/qm:/etc", "/var/qm:/var", "/var/qm/tmp:/var/tmp"}},
		{"Container", "AddDevice", []string{"-/dev/fuse"}},
		{"Container", "Timezone", []string{"UTC"}},
		{"Service", "OOMScoreAdjust", []string{"500"}},
		{"Service", "CPUWeight", []string{"idle"}},
		{"Service", "IOWeight", []string{"50"}},
		{"Service", "Delegate", []string{"true"}},
		{"Service", "Restart", []string{"always"}},
		{"Service", "Slice", []string{"-.slice"}},
		{"Service", "MemoryMax", []string{"infinity"}},
		{"Service", "MemoryHigh", []string{"infinity"}},
		{"Service", "MemorySwapMax", []string{"0"}},
		{"Service", "ManagedOOMSwap", []string{"kill"}},
		{"Service", "TasksMax", []string{"50%"}},
		{"Service", "LimitNOFILE", []string{"65536"}},
		{"Service", "Environment", []string{"ROOTFS=/usr/lib/qm/rootfs", "RWETCFS=/etc/qm", "RWVARFS=/var/qm"}},
		{"Install", "WantedBy", []string{"default.target"}},
		{"Container", "Unmask", nil},
		{"Container", "PodmanArgs", nil},
		{"Container", "Image", nil},
	} {
		t.Run(row.group+"."+row.key, func(t *testing.T) {
			require.Equal(t, row.want, m.LookupAll(row.group, row.key))
		})
	}
}
