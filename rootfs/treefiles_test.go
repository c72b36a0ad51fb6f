package rootfs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	storagetypes "github.com/containers/storage/types"
	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs/quadlet"
	"github.com/qm-build/qm-build/rootfs/seccomp"
	"github.com/qm-build/qm-build/rpmspec"
)

// TestNestedConfigIsStrictTOML decodes the nested containers.conf and
// storage.conf with the TOML parser containers/common and containers/storage
// use, rejecting any key the model does not know, and checks the values QM
// depends on (qm-upstream.md §4, §9).
func TestNestedConfigIsStrictTOML(t *testing.T) {
	var c containersConf
	md, err := toml.Decode(string(NestedContainersConfBody()), &c)
	require.NoError(t, err)
	require.Empty(t, md.Undecoded())
	require.Equal(t, 750, c.Containers.OOMScoreAdj)
	require.Equal(t, []string{"memory.oom.group=1"}, c.Containers.CgroupConf)
	require.Equal(t, "host", c.Containers.Netns)
	require.Equal(t, []string{}, c.Containers.DefaultUlimits)
	require.Equal(t, []string{}, c.Containers.DefaultSysctls)
	require.Equal(t, []string{"TMPDIR=/var/tmp.images"}, c.Engine.Env)
	require.Equal(t, "10.89.0.0/16", c.Network.DefaultSubnet)

	var s storageConf
	md, err = toml.Decode(string(NestedStorageConfBody()), &s)
	require.NoError(t, err)
	require.Empty(t, md.Undecoded())
	require.True(t, s.Storage.TransientStore)
	require.Equal(t, []string{"/var/lib/shared"}, s.Storage.Options.AdditionalImageStores)
	require.Equal(t, "overlay", s.Storage.Driver)

	var d struct {
		Containers struct {
			Devices []string `toml:"devices"`
		} `toml:"containers"`
	}
	md, err = toml.Decode(string(NestedDevicesConf("qm-sound", []string{"/dev/snd"})), &d)
	require.NoError(t, err)
	require.Empty(t, md.Undecoded())
	require.Equal(t, []string{"/dev/snd:/dev/snd"}, d.Containers.Devices)
}

func TestTreeFilesPerStage(t *testing.T) {
	p, err := newPlan(t, Options{ControllerSocket: true, Hostname: "car1", MemoryMax: "1G"})
	require.NoError(t, err)
	files, notes, err := treeFiles(p, Facts{Seccomp: []byte(`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[]}`)})
	require.NoError(t, err)
	stageOf := map[string]string{}
	for _, f := range files {
		require.NoError(t, rpmspec.CheckPath(f.Path))
		require.Contains(t, TreeStages, f.Stage, f.Path)
		_, dup := stageOf[f.Path]
		require.False(t, dup, "%s written twice", f.Path)
		stageOf[f.Path] = f.Stage
	}
	for path, stage := range map[string]string{
		"/usr/lib/qm/rootfs/etc":                                                 StageSkeleton,
		"/usr/lib/qm/rootfs/var":                                                 StageSkeleton,
		"/var/qm/tmp.images":                                                     StageSkeleton,
		"/var/qm/lib/shared":                                                     StageSkeleton,
		"/etc/qm/containers/storage.conf":                                        StageNestedConfig,
		"/etc/qm/containers/containers.conf.d":                                   StageNestedConfig,
		"/usr/lib/qm/rootfs/usr/share/containers/selinux/contexts":               StageNestedConfig,
		"/etc/qm/selinux/targeted/contexts/files/file_contexts":                  StageNestedConfig,
		"/etc/subuid":                                                            StageNestedConfig,
		"/etc/qm/subgid":                                                         StageNestedConfig,
		"/etc/containers/systemd/qm.container.d/50-qm-build-options.conf":        StageQuadletDropins,
		"/etc/containers/systemd/qm.container.d/50-qm-build-bluechi-socket.conf": StageBlueChi,
		"/etc/qm/bluechi/agent.conf.d/agent.conf":                                StageBlueChi,
		"/etc/qm/systemd/system/multi-user.target.wants/bluechi-agent.service":   StageBlueChi,
		"/usr/share/qm/seccomp-no-rt.derived.json":                               StageSeccomp,
		"/usr/share/qm/seccomp-no-rt.json":                                       "", // the qm package's, never rewritten
	} {
		require.Equal(t, stage, stageOf[path], path)
	}
	require.Contains(t, strings.Join(notes, "\n"), "AllowedNodeNames=qm.car1")
}

func TestPackageDoesNotDependOnTheTree(t *testing.T) {
	p, err := newPlan(t, Options{})
	require.NoError(t, err)
	a, err := quadletPackageFiles(p, Facts{})
	require.NoError(t, err)
	b, err := quadletPackageFiles(p, Facts{Timezone: "Europe/Berlin", Seccomp: []byte(`{"syscalls":[]}`), HostNodeName: "x"})
	require.NoError(t, err)
	require.Equal(t, a, b)
}

func TestReadFacts(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(dir string) error
		want  Facts
	}{
		{"empty tree", func(string) error { return nil }, Facts{}},
		{"localtime symlink", func(dir string) error {
			return os.Symlink("/usr/share/zoneinfo/Asia/Tokyo", filepath.Join(dir, "etc/localtime"))
		}, Facts{Timezone: "Asia/Tokyo"}},
		{"etc/timezone file", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "etc/timezone"), []byte("Europe/Paris\n"), 0o644)
		}, Facts{Timezone: "Europe/Paris"}},
		{"garbage timezone ignored", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "etc/timezone"), []byte("not a zone at all\n"), 0o644)
		}, Facts{}},
		{"agent.conf only", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "etc/bluechi/agent.conf"), []byte("[bluechi-agent]\nNodeName=host7\n"), 0o644)
		}, Facts{HostNodeName: "host7"}},
		{"non-.conf files in agent.conf.d are ignored", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "etc/bluechi/agent.conf.d/README"), []byte("not ini\n"), 0o644)
		}, Facts{}},
		{"seccomp.json", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "usr/share/containers/seccomp.json"), []byte("{}"), 0o644)
		}, Facts{Seccomp: []byte("{}")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, d := range []string{"etc/bluechi/agent.conf.d", "usr/share/containers"} {
				require.NoError(t, os.MkdirAll(filepath.Join(dir, d), 0o755))
			}
			require.NoError(t, tc.setup(dir))
			tr, err := OpenTree(dir, TreeOptions{})
			require.NoError(t, err)
			defer tr.Close()
			f, err := ReadFacts(tr)
			require.NoError(t, err)
			require.Equal(t, tc.want, f)
		})
	}
}

func TestReadFactsNamesTheBrokenFile(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "etc/bluechi"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "etc/bluechi/agent.conf"), []byte("NodeName=x\n"), 0o644))
	tr, err := OpenTree(dir, TreeOptions{})
	require.NoError(t, err)
	defer tr.Close()
	_, err = ReadFacts(tr)
	require.EqualError(t, err, filepath.Join(dir, "etc/bluechi/agent.conf")+`:1: assignment "NodeName=x" outside of a section`)
}

// TestNestedStorageConfLoadsInContainersStorage reads QM's storage.conf with
// containers/storage's own loader, the code the nested podman runs.
func TestNestedStorageConfLoadsInContainersStorage(t *testing.T) {
	p := filepath.Join(t.TempDir(), "storage.conf")
	require.NoError(t, os.WriteFile(p, NestedStorageConfBody(), 0o644))
	var o storagetypes.StoreOptions
	require.NoError(t, storagetypes.ReloadConfigurationFile(p, &o))
	require.Equal(t, "overlay", o.GraphDriverName)
	require.True(t, o.TransientStore)
	require.Equal(t, "/var/lib/containers/storage", o.GraphRoot)
	require.Contains(t, o.GraphDriverOptions, "overlay.imagestore="+SharedImageStore)
}

// TestSeccompProfilePaths: without a base profile in the tree QM keeps the
// packaged profile and nothing is written; with one, the derived profile gets
// a path of its own that the options drop-in names, so the packaged file is
// never rewritten (rpm -V qm stays clean).
func TestSeccompProfilePaths(t *testing.T) {
	p, err := newPlan(t, Options{})
	require.NoError(t, err)
	for _, tc := range []struct {
		name    string
		facts   Facts
		written []string
		profile string
	}{
		{"no base", Facts{}, nil, ""},
		{"base in the tree", Facts{Seccomp: []byte(`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[]}`)}, []string{seccomp.DerivedPath}, seccomp.DerivedPath},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files, _, err := treeFiles(p, tc.facts)
			require.NoError(t, err)
			var written []string
			var dropin []byte
			for _, f := range files {
				if f.Stage == StageSeccomp {
					written = append(written, f.Path)
				}
				require.NotEqual(t, seccomp.Path, f.Path, "the packaged profile is never rewritten")
				if strings.HasSuffix(f.Path, quadlet.OptionsDropinName) {
					dropin = f.Body
				}
			}
			require.Equal(t, tc.written, written)
			if tc.profile == "" {
				require.NotContains(t, string(dropin), "SeccompProfile=")
				return
			}
			require.Contains(t, string(dropin), "SeccompProfile="+tc.profile+"\n")
		})
	}
}
