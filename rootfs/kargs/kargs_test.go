package kargs

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs/imagefs"
)

func testdata(t testing.TB, name string) string {
	data, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return string(data)
}

func TestParse(t *testing.T) {
	require.Equal(t, []Arg{{"root", "UUID=1", true}, {"ro", "", false}, {"console", "ttyS0,115200 n8", true}, {"quiet", "", false}},
		Parse(testdata(t, "cmdline")))
	require.Equal(t, []Arg{{"a b", "c", true}}, Parse(`"a b=c"`))
	a, ok := Last(Parse("enforcing=1 x enforcing=0"), "enforcing")
	require.True(t, ok)
	require.Equal(t, "0", a.Value)
}

func TestSELinux(t *testing.T) {
	for cmdline, want := range map[string]string{
		"quiet":                         "",
		"selinux=0":                     "disabled",
		"enforcing=1 enforcing=0":       "permissive",
		"enforcing=0 enforcing=1":       "enforcing",
		"security=apparmor enforcing=1": "disabled",
		"lsm=lockdown,yama,bpf":         "disabled",
		"lsm=lockdown,selinux":          "",
		"selinux=1 enforcing=1":         "enforcing",
	} {
		got, _ := SELinux(Parse(cmdline))
		require.Equal(t, want, got, cmdline)
	}
}

func TestSources(t *testing.T) {
	fsys := imagefs.Map{
		"/etc/kernel/cmdline":                  testdata(t, "cmdline"),
		"/usr/lib/kernel/cmdline":              "ignored when /etc/kernel/cmdline exists",
		"/usr/lib/bootc/kargs.d/10-qm.toml":    testdata(t, "10-qm.toml"),
		"/usr/lib/bootc/kargs.d/20-arm.toml":   "kargs = [\"enforcing=0\"]\nmatch-architectures = [\"aarch64\"]\n",
		"/usr/lib/bootc/kargs.d/30-bad.toml":   "kargs = [\"x\"]\nunknown = 1\n",
		"/etc/default/grub":                    testdata(t, "grub"),
		"/boot/loader/entries/cs9.conf":        testdata(t, "entry.conf"),
		"/boot/loader/entries/no-options.conf": "title x\n",
	}
	srcs, problems := Sources(fsys, "x86_64")
	require.Len(t, problems, 1)
	require.Contains(t, problems[0].Msg, "unknown key unknown")
	var got []string
	for _, s := range srcs {
		mode, _ := SELinux(s.Args)
		got = append(got, s.Path+":"+s.What+":"+mode)
	}
	require.Equal(t, []string{
		"/etc/kernel/cmdline:cmdline:",
		"/usr/lib/bootc/kargs.d/10-qm.toml:kargs:enforcing",
		"/etc/default/grub:GRUB_CMDLINE_LINUX:permissive",
		"/etc/default/grub:GRUB_CMDLINE_LINUX_DEFAULT:",
		"/boot/loader/entries/cs9.conf:options:disabled",
	}, got)
	require.Equal(t, 3, srcs[2].Line, "the line of the last assignment")
	require.Equal(t, 2, srcs[1].Line)
}

func FuzzParse(f *testing.F) {
	for _, n := range []string{"cmdline", "grub", "entry.conf", "10-qm.toml"} {
		f.Add(testdata(f, n))
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, a := range Parse(s) {
			require.NotContains(t, a.Key, " \t")
		}
		_, _ = SELinux(Parse(s))
		_ = grub(s)
		_ = blsEntry("/e.conf", s)
		_, _ = bootc(imagefs.Map{"/k.toml": s}, "/k.toml", "x86_64")
	})
}
