package containersconf

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs/imagefs"
)

func TestHostChainOrder(t *testing.T) {
	fsys := imagefs.Map{
		"/usr/share/containers/containers.conf":                "",
		"/usr/share/containers/containers.conf.d/00-x.conf":    "", // not read by podman 5.4
		"/etc/containers/containers.conf.d/20-b.conf":          "",
		"/etc/containers/containers.conf.d/10-a.conf":          "",
		"/etc/containers/containers.conf.d/sub/30.conf":        "", // no recursion
		"/root/.config/containers/containers.conf.d/x.conf":    "",
		"/etc/containers/containers.conf.modules/qm.conf":      "",
		"/usr/share/containers/containers.conf.modules/u.conf": "",
		"/srv/override.conf":                                   "",
	}
	files, problems := Host().Files(fsys, Env{Override: "/srv/override.conf"}, []string{"qm.conf", "u.conf", "/etc/abs.conf"})
	require.Equal(t, []string{
		"/usr/share/containers/containers.conf",
		"/etc/containers/containers.conf.d/10-a.conf",
		"/etc/containers/containers.conf.d/20-b.conf",
		"/root/.config/containers/containers.conf.d/x.conf",
		"/etc/containers/containers.conf.modules/qm.conf",
		"/usr/share/containers/containers.conf.modules/u.conf",
		"/srv/override.conf",
	}, files)
	require.Len(t, problems, 1)
	require.Contains(t, problems[0].Msg, "module /etc/abs.conf not found")

	files, _ = Host().Files(fsys, Env{Conf: "/srv/override.conf"}, nil)
	require.Equal(t, []string{"/srv/override.conf"}, files, "CONTAINERS_CONF replaces the system files")
}

func TestUnderMapsTheNestedChain(t *testing.T) {
	c := Host().Under("/usr/lib/qm/rootfs", "/etc/qm")
	require.Equal(t, "/usr/lib/qm/rootfs/usr/share/containers/containers.conf", c.Usr)
	require.Equal(t, "/etc/qm/containers/containers.conf", c.Etc)
	require.Equal(t, "/usr/lib/qm/rootfs/root/.config/containers/containers.conf", c.Home)
	require.Equal(t, "/etc/qm/containers/containers.conf.modules", c.ModuleDirs[0])
}

func read(t *testing.T, name string) string {
	data, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return string(data)
}

func TestMerge(t *testing.T) {
	fsys := imagefs.Map{
		"/a.conf": read(t, "host-append.conf"),
		"/b.conf": "[containers]\ndevices = [\"/dev/kvm\"]\noom_score_adj = -1000\nprivileged = true\n",
		"/c.conf": "[containers]\nannotations = [\"x=y\"]\n",
		"/q.conf": read(t, "qm.conf"),
	}
	c := Load(fsys, []string{"/a.conf", "/b.conf", "/c.conf"})
	require.Empty(t, c.Problems)
	dev, _ := c.Get("containers", "devices")
	require.Equal(t, []Item{{"/dev/fuse", Source{"/a.conf", 2}}, {"/dev/kvm", Source{"/b.conf", 2}}}, dev.Items(),
		"append=true stays on for later files")
	ann, _ := c.Get("containers", "annotations")
	require.Equal(t, []Item{{"x=y", Source{"/c.conf", 2}}}, ann.Items(), "without append a later list replaces")
	oom, _ := c.Get("containers", "oom_score_adj")
	require.Equal(t, int64(-1000), oom.Value)
	require.Equal(t, Source{"/b.conf", 3}, oom.Source)
	require.Contains(t, c.Runtimes(), "crun")

	q := Load(fsys, []string{"/q.conf"})
	cg, _ := q.Get("containers", "cgroup_conf")
	require.Equal(t, "memory.oom.group=1", cg.Items()[0].Value)
	require.Equal(t, 5, cg.Line)
}

func TestBadFilesAreProblems(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{"[containers\n", "not valid TOML"},
		{"[containers]\noom_score_adj = \"high\"\n", "oom_score_adj is not an integer"},
		{"[containers]\ndevices = \"/dev/kvm\"\n", "devices is not a list"},
		{"[containers]\nprivileged = \"yes\"\n", "privileged is not a boolean"},
		{"[containers]\ndevices = [{append=1}]\n", "optional {append=true}"},
	} {
		c := Load(imagefs.Map{"/x.conf": tc.body}, []string{"/x.conf"})
		require.Len(t, c.Problems, 1, tc.body)
		require.Contains(t, c.Problems[0].Msg, tc.want)
	}
}

func FuzzLoad(f *testing.F) {
	entries, err := os.ReadDir("testdata")
	require.NoError(f, err)
	for _, e := range entries {
		if !e.IsDir() {
			data, err := os.ReadFile(filepath.Join("testdata", e.Name()))
			require.NoError(f, err)
			f.Add(string(data))
		}
	}
	f.Fuzz(func(t *testing.T, body string) {
		c := Load(imagefs.Map{"/usr/share/containers/containers.conf": body, "/etc/containers/containers.conf": body},
			[]string{"/usr/share/containers/containers.conf", "/etc/containers/containers.conf"})
		for _, k := range []string{"devices", "volumes", "annotations"} {
			s, _ := c.Get("containers", k)
			for _, it := range s.Items() {
				require.NotEmpty(t, it.File)
			}
		}
	})
}
