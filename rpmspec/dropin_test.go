package rpmspec_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec"
)

func names(ds []*rpmspec.Dropin) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Name
	}
	return out
}

func TestCatalogSelect(t *testing.T) {
	cat, err := rpmspec.Builtin()
	require.NoError(t, err)
	known := "dvb, img-tempdir, input, kvm, oci-hooks, radio, ros2, sound, text2speech, tty7, ttyUSB0, video, wayland, windowmanager, all"
	for _, tc := range []struct {
		name string
		args []string
		want []string
		err  string
	}{
		{"nothing", nil, []string{}, ""},
		{"one", []string{"kvm"}, []string{"kvm"}, ""},
		{"comma list and repeats, sorted, no duplicates", []string{"video,kvm", "sound", "kvm"}, []string{"kvm", "sound", "video"}, ""},
		{"spaces and empty items", []string{" kvm , ,sound"}, []string{"kvm", "sound"}, ""},
		{"needs closure: text2speech pulls sound", []string{"text2speech"}, []string{"sound", "text2speech"}, ""},
		{"all", []string{"all"}, cat.Names(), ""},
		{"all with others", []string{"kvm,all"}, cat.Names(), ""},
		{"unknown lists the known names", []string{"kvm,nosuch"}, nil, `--dropin: unknown drop-in "nosuch"; known drop-ins: ` + known},
		{"every unknown is reported", []string{"x", "y"}, nil, `--dropin: unknown drop-in "x"; known drop-ins: ` + known + "\n" + `--dropin: unknown drop-in "y"; known drop-ins: ` + known},
		{"names are case-sensitive", []string{"KVM"}, nil, `--dropin: unknown drop-in "KVM"; known drop-ins: ` + known},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := cat.Select(tc.args)
			if tc.err != "" {
				requireBadInput(t, err, strings.Split(tc.err, "\n")...)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, names(got))
		})
	}
	t.Run("needs closure across user drop-ins", func(t *testing.T) {
		cat, err := rpmspec.Builtin()
		require.NoError(t, err)
		added, err := cat.AddDir(os.DirFS(filepath.Join("testdata", "userdropins")), "userdropins")
		require.NoError(t, err)
		require.Equal(t, []string{"front-camera"}, added)
		got, err := cat.Select(added)
		require.NoError(t, err)
		require.Equal(t, []string{"front-camera", "video"}, names(got))
	})
	t.Run("transitive needs", func(t *testing.T) {
		mk := func(name string, needs ...string) *rpmspec.Dropin {
			return &rpmspec.Dropin{Name: name, Needs: needs, Source: name + ".yaml"}
		}
		cat, err := rpmspec.NewCatalog(mk("a", "b"), mk("b", "c"), mk("c"), mk("d", "a"))
		require.NoError(t, err)
		got, err := cat.Select([]string{"d"})
		require.NoError(t, err)
		require.Equal(t, []string{"a", "b", "c", "d"}, names(got))
	})
}
