package systemd

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs/imagefs"
	"github.com/qm-build/qm-build/rootfs/unitfile"
)

func testdata(t testing.TB, name string) string {
	data, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return string(data)
}

func TestDropinDirNames(t *testing.T) {
	require.Equal(t, []string{"qm.service.d", "service.d"}, DropinDirNames("qm.service"))
	require.Equal(t, []string{"foo-bar-baz.service.d", "foo-bar-.service.d", "foo-.service.d", "service.d"}, DropinDirNames("foo-bar-baz.service"))
	require.Equal(t, []string{"a-b@x.service.d", "a-b@.service.d", "a-.service.d", "service.d"}, DropinDirNames("a-b@x.service"))
	require.Equal(t, []string{"-x.mount.d", "mount.d"}, DropinDirNames("-x.mount"))
}

func TestFind(t *testing.T) {
	fsys := imagefs.Map{
		"/usr/lib/systemd/system/qm.service":             "[Service]\nExecStart=/bin/false\n",
		"/etc/systemd/system/qm.service.d/20-b.conf":     "[Service]\nOOMScoreAdjust=1\n",
		"/usr/lib/systemd/system/qm.service.d/10-a.conf": "[Service]\nDelegate=no\n",
		"/usr/lib/systemd/system/qm.service.d/20-b.conf": "[Service]\nOOMScoreAdjust=2\n",
		"/etc/systemd/system/service.d/10-a.conf":        "[Service]\nDelegate=yes\n",
		"/etc/systemd/system/service.d/30-c.conf":        "",
		"/run/systemd/system/qm.service.d/40.conf":       "[Service]\nOOMScoreAdjust=3\n",
	}
	gen := unitfile.New("/run/systemd/generator/qm.service")
	gen.Add("Service", "ExecStart", "/usr/bin/podman run x")
	l := &Lookup{FS: fsys, Generated: map[string]*unitfile.File{DirGenerator + "/qm.service": gen}}
	u := l.Find("qm.service")
	require.Equal(t, DirGenerator+"/qm.service", u.Fragment, "the generator's unit ranks above /usr/lib")
	require.Equal(t, []string{"/usr/lib/systemd/system/qm.service"}, u.Shadowed)
	require.Equal(t, []string{"/usr/lib/systemd/system/qm.service.d/10-a.conf", "/etc/systemd/system/qm.service.d/20-b.conf"}, u.Dropins,
		"qm.service.d beats service.d for a name; /etc beats /usr/lib; /run is empty at boot")
	require.Equal(t, []string{"/etc/systemd/system/service.d/30-c.conf"}, u.MaskedDropins)
	ld := l.Load("qm.service")
	v, _ := ld.File.Lookup("Service", "OOMScoreAdjust")
	require.Equal(t, "1", v)

	l.KeepRun = true
	require.Contains(t, l.Find("qm.service").Dropins, "/run/systemd/system/qm.service.d/40.conf")

	fsys["/etc/systemd/system/qm.service"] = ""
	require.True(t, (&Lookup{FS: fsys}).Find("qm.service").Masked, "an empty unit file masks")
}

func TestParseCommands(t *testing.T) {
	f, err := unitfile.ParseBytes([]byte(testdata(t, "qm.service")), "qm.service")
	require.NoError(t, err)
	e, _ := f.LookupEntry("Service", "ExecStart")
	cmds, err := ParseCommands(e, "qm.service")
	require.NoError(t, err)
	require.Len(t, cmds, 1)
	require.Equal(t, []string{"/usr/bin/podman", "run", "--name", "qm", "--cidfile=/run/qm.cid", "-v", "${RWVARFS}:/var", "$ARGS", "--rootfs", "${ROOTFS}", "/sbin/init"}, cmds[0].Argv)
	require.Equal(t, []string{"/usr/bin/podman", "run", "--name", "qm", "--cidfile=/run/qm.cid", "-v", "/var/qm:/var", "--x", "y z", "--rootfs", "/r", "/sbin/init"},
		ExpandArgv(cmds[0].Argv, map[string]string{"RWVARFS": "/var/qm", "ARGS": `--x "y z"`, "ROOTFS": "/r"}))
	require.Equal(t, []string{"/usr/bin/podman", "run", "--name", "qm", "--cidfile=/run/qm.cid", "-v", ":/var", "--rootfs", "", "/sbin/init"},
		ExpandArgv(cmds[0].Argv, nil), "unset: ${X} is empty, a lone $X vanishes")

	e, _ = f.LookupEntry("Service", "ExecStartPre")
	cmds, err = ParseCommands(e, "qm.service")
	require.NoError(t, err)
	require.Len(t, cmds, 2)
	require.Equal(t, "-@", cmds[0].Prefixes)
	require.Equal(t, []string{"true", ";"}, cmds[0].Argv, "'@' gives argv[0]; \\; is a literal semicolon")
	require.True(t, cmds[1].NoEnvExpansion())
	require.Equal(t, []string{"/usr/bin/echo", "$HOME"}, cmds[1].Argv)
}

func TestEnvironment(t *testing.T) {
	f, err := unitfile.ParseBytes([]byte(testdata(t, "qm.service")), "qm.service")
	require.NoError(t, err)
	fsys := imagefs.Map{"/etc/sysconfig/qm": testdata(t, "env")}
	env, problems := Environment(f, "qm.service", fsys)
	require.Empty(t, problems)
	require.Equal(t, "/srv/rootfs", env["ROOTFS"].Value, "files override Environment=")
	require.Equal(t, "/etc/sysconfig/qm", env["ROOTFS"].Entry.File)
	require.Equal(t, 2, env["ROOTFS"].Entry.Line)
	require.Equal(t, "two words", env["A"].Value)
	require.Equal(t, `a "b" $c`, env["QUOTED"].Value)
	require.Equal(t, "x y", env["SINGLE"].Value)
	require.Equal(t, "ab", env["CONT"].Value)
	_, problems = Environment(f, "qm.service", imagefs.Map{})
	require.Empty(t, problems, "the file is optional (-)")
}

func FuzzParseCommands(f *testing.F) {
	for _, n := range []string{"qm.service", "env"} {
		f.Add(testdata(f, n))
	}
	f.Fuzz(func(t *testing.T, v string) {
		cmds, err := ParseCommands(unitfile.Entry{Key: "ExecStart", Value: v}, "qm.service")
		if err != nil {
			return
		}
		for _, c := range cmds {
			require.NotEmpty(t, c.Argv)
			_ = ExpandArgv(c.Argv, map[string]string{"A": v})
		}
		_ = ParseEnvFile(v)
	})
}
