package podman

import (
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/test/verifiers"
)

var manFlagRE = regexp.MustCompile(`\\fB(-{1,2}[a-zA-Z0-9-]+)\\fP`)

// manFlags reads the flags a podman man page documents: the ".SS \fB--name\fP,
// \fB-x\fP=…" headings.
func manFlags(t *testing.T, page string) map[string]string {
	t.Helper()
	verifiers.Quadlet(t) // the same podman 5 package ships the pages
	dir := os.Getenv("QM_BUILD_TOOLS")
	if dir == "" {
		dir = filepath.Join(verifiers.RepoRoot(t), ".tools")
	}
	f, err := os.Open(filepath.Join(dir, "podman", "usr", "share", "man", "man1", page))
	require.NoError(t, err)
	defer f.Close()
	z, err := gzip.NewReader(f)
	require.NoError(t, err)
	data, err := io.ReadAll(z)
	require.NoError(t, err)
	out := map[string]string{}
	for _, l := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(l, `.SS \fB-`) {
			continue
		}
		m := manFlagRE.FindAllStringSubmatch(l, -1)
		short := ""
		if len(m) > 1 && !strings.HasPrefix(m[1][1], "--") {
			short = strings.TrimPrefix(m[1][1], "-")
		}
		out[strings.TrimPrefix(m[0][1], "--")] = short
	}
	return out
}

// TestFlagsAgreeWithManPages checks the flag table against the podman-run(1)
// and podman(1) pages of podman 5.4.2: every documented flag is in the table
// with the same short name, and every visible flag of the table is documented.
func TestFlagsAgreeWithManPages(t *testing.T) {
	for _, tc := range []struct {
		page   string
		scopes []Scope
		// notFlags are headings that are no flag of that release.
		notFlags []string
	}{
		{"podman-run.1.gz", []Scope{Run}, []string{"link-local-ip", "permissive"}},
		{"podman.1.gz", []Scope{Persistent, Root}, nil},
	} {
		t.Run(tc.page, func(t *testing.T) {
			doc := manFlags(t, tc.page)
			for _, n := range tc.notFlags {
				delete(doc, n)
			}
			table := map[string]string{}
			for _, f := range flags {
				if !f.Hidden && contains(tc.scopes, f.Scope) {
					table[f.Name] = f.Short
				}
			}
			require.Equal(t, sortedKeys(doc), sortedKeys(table))
			for n, short := range doc {
				require.Equal(t, short, table[n], "short name of --%s", n)
			}
		})
	}
}

// TestFlagKindsAgreeWithPodman4 compares which flags take a value with the
// podman installed on the test host (4.3): the flags both releases have must
// agree, since a boolean that became a value flag (or back) changes how the
// next word is read.
func TestFlagKindsAgreeWithPodman4(t *testing.T) {
	podman := verifiers.Need(t, "podman")
	r := verifiers.Run(t, podman, "run", "--help")
	require.Equal(t, 0, r.Code, r.Stderr)
	re := regexp.MustCompile(`^\s+(?:-\w, )?--([\w-]+)(?: (\S+))?\s{2,}`)
	n := 0
	for _, l := range strings.Split(r.Stdout, "\n") {
		m := re.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		f, ok := lookup(m[1], true)
		require.True(t, ok, "podman 4.3 has --%s", m[1])
		require.Equal(t, m[2] == "", f.Kind == Bool, "--%s takes a value in one release only", m[1])
		n++
	}
	require.Greater(t, n, 100)
}

func contains(l []Scope, s Scope) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name     string
		argv     string
		want     map[string][]string // flag → values
		args     []string
		problems []string
	}{
		{"quadlet's line", "podman run --name qm --cidfile=/run/qm.cid --replace --rm --cgroups=split --read-only --rootfs /usr/lib/qm/rootfs /sbin/init",
			map[string][]string{"name": {"qm"}, "cgroups": {"split"}, "read-only": {"true"}, "rootfs": {"true"}},
			[]string{"/usr/lib/qm/rootfs", "/sbin/init"}, nil},
		{"a boolean takes no separate value", "podman run --read-only false --rootfs /r /sbin/init",
			map[string][]string{"read-only": {"true"}}, []string{"false", "--rootfs", "/r", "/sbin/init"}, nil},
		{"=false", "podman run --read-only --read-only=false img", map[string][]string{"read-only": {"true", "false"}}, []string{"img"}, nil},
		{"a value flag takes the next word whatever it is", "podman run --name --privileged img",
			map[string][]string{"name": {"--privileged"}}, []string{"img"}, nil},
		{"short flags combined and with values", "podman run -dit -v/a:/b -v /c:/d -v=/e:/f -ufoo img",
			map[string][]string{"detach": {"true"}, "interactive": {"true"}, "tty": {"true"}, "volume": {"/a:/b", "/c:/d", "/e:/f"}, "user": {"foo"}},
			[]string{"img"}, nil},
		{"global flags before and after run", "podman --runtime=crun --log-level debug run --runtime /var/qm/x --hooks-dir /etc/qm img",
			map[string][]string{"runtime": {"crun", "/var/qm/x"}, "log-level": {"debug"}, "hooks-dir": {"/etc/qm"}}, []string{"img"}, nil},
		{"aliases", "podman run --net host img", map[string][]string{"network": {"host"}}, []string{"img"}, nil},
		{"-- ends the flags", "podman run -- --privileged img", nil, []string{"--privileged", "img"}, nil},
		{"container run", "podman container run --privileged img", map[string][]string{"privileged": {"true"}}, []string{"img"}, nil},
		{"unknown flag", "podman run --bogus img", nil, []string{"img"}, []string{"unknown flag: --bogus"}},
		{"root-only flag after run", "podman run --module x img", nil, []string{"x", "img"}, []string{"unknown flag: --module"}},
		{"bad boolean", "podman run --privileged=maybe img", nil, []string{"img"}, []string{`invalid argument "maybe" for "--privileged" flag`}},
		{"bad number", "podman run --oom-score-adj=x img", nil, []string{"img"}, []string{`invalid argument "x" for "--oom-score-adj"`}},
		{"missing value", "podman run --name", nil, nil, []string{"flag needs an argument: --name"}},
		{"not run", "podman exec qm sh", nil, nil, []string{`subcommand "exec" is not run`}},
		{"unknown short", "podman run -Z img", nil, []string{"img"}, []string{`unknown shorthand flag: "Z"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Parse(strings.Fields(tc.argv))
			for name, want := range tc.want {
				var got []string
				for _, o := range c.All(name) {
					got = append(got, o.Value)
				}
				require.Equal(t, want, got, name)
			}
			var args []string
			for _, i := range c.Args {
				args = append(args, c.Argv[i])
			}
			require.Equal(t, tc.args, args)
			require.Len(t, c.Problems, len(tc.problems), "%v", c.Problems)
			for i, p := range tc.problems {
				require.Contains(t, c.Problems[i].Msg, p)
			}
		})
	}
}

func TestItemsSplitSlices(t *testing.T) {
	c := Parse([]string{"podman", "run", "--cap-drop", "sys_boot,sys_resource", "--cap-drop=mknod", "--device", "/dev/a,b", "img"})
	var caps []string
	for _, it := range c.Items("cap-drop") {
		caps = append(caps, it.Value)
	}
	require.Equal(t, []string{"sys_boot", "sys_resource", "mknod"}, caps)
	require.Equal(t, "/dev/a,b", c.Items("device")[0].Value, "--device is a StringArray: no splitting")
}

func TestSecurityAndCapabilities(t *testing.T) {
	items := func(vs ...string) []Item {
		var out []Item
		for _, v := range vs {
			out = append(out, Item{Value: v})
		}
		return out
	}
	s := ParseSecurity(items("label=type:qm_t", "label=type:spc_t", "label:disable", "seccomp=unconfined", "unmask=ALL", "no-new-privileges", "bogus=1", "label=weird"))
	require.Equal(t, "spc_t", s.Label["type"].Value)
	require.NotNil(t, s.LabelDisable)
	require.Equal(t, "seccomp=unconfined", s.Seccomp.Value)
	require.Len(t, s.Unmask, 1)
	require.NotNil(t, s.NoNewPrivileges)
	require.Len(t, s.Invalid, 2)

	caps, err := Capabilities(nil, items("all"), items("sys_boot", "sys_resource"))
	require.NoError(t, err)
	require.NotContains(t, caps, "CAP_SYS_BOOT")
	require.Contains(t, caps, "CAP_SYS_MODULE")
	caps, err = Capabilities(nil, items("all", "sys_boot"), items("sys_boot"))
	require.NoError(t, err, "with ALL added, the other adds are ignored")
	require.NotContains(t, caps, "CAP_SYS_BOOT")
	_, err = Capabilities([]string{"CAP_CHOWN"}, items("sys_boot"), items("sys_boot"))
	require.ErrorIs(t, err, ErrCapabilities)
	caps, err = Capabilities(AllCapabilities(), items("net_admin"), items("all"))
	require.NoError(t, err)
	require.Equal(t, []string{"CAP_NET_ADMIN"}, caps)
	_, err = Capabilities(nil, items("cap_bogus"), nil)
	require.Error(t, err)
}

func TestDevicesAndMounts(t *testing.T) {
	for in, want := range map[string]Device{
		"/dev/kvm":              {Host: "/dev/kvm", Container: "/dev/kvm", Permissions: "rwm"},
		"/dev/sda:/dev/xvda:r":  {Host: "/dev/sda", Container: "/dev/xvda", Permissions: "r"},
		"/dev/../dev/mem:rw":    {Host: "/dev/mem", Container: "/dev/../dev/mem", Permissions: "rw"},
		"nvidia.com/gpu=all":    {Host: "nvidia.com/gpu=all", CDI: true},
		"/dev/video0:/dev/cam0": {Host: "/dev/video0", Container: "/dev/cam0", Permissions: "rwm"},
	} {
		got, err := ParseDevice(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	_, err := ParseDevice("/dev/a:x")
	require.Error(t, err)

	m, err := ParseVolume("/var/qm/tmp:/var/tmp:ro,Z")
	require.NoError(t, err)
	require.Equal(t, Mount{Type: "bind", Source: "/var/qm/tmp", Destination: "/var/tmp", Options: []string{"ro", "Z"}, ReadOnly: true}, m)
	m, err = ParseVolume("data:/var")
	require.NoError(t, err)
	require.Equal(t, "volume", m.Type)
	m, err = ParseMount("type=bind,src=/run/udev,dst=/run/udev,ro=true")
	require.NoError(t, err)
	require.Equal(t, Mount{Type: "bind", Source: "/run/udev", Destination: "/run/udev", ReadOnly: true}, m)
	require.Equal(t, "/var", ParseTmpfs("/var/:rw,size=1G").Destination)
}

func FuzzParse(f *testing.F) {
	data, err := os.ReadFile(filepath.Join("testdata", "argv.txt"))
	require.NoError(f, err)
	for _, s := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		argv := strings.Split(s, " ")
		c := Parse(argv)
		for _, l := range [][]Occurrence{c.Global, c.Run} {
			for _, o := range l {
				require.Less(t, o.ValueIndex, len(argv))
				require.LessOrEqual(t, o.Index, o.ValueIndex)
			}
		}
		for _, i := range c.Args {
			require.Less(t, i, len(argv))
		}
		for _, o := range c.Run {
			_ = c.Items(o.Flag.Name)
		}
		_, _, _ = c.Rootfs()
		_, _, _ = c.Image()
	})
}
