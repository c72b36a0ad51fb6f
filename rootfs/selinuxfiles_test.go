package rootfs

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/selinux"
	"github.com/qm-build/qm-build/test/verifiers"
)

// fakeModule is a bzip2'd policy package header naming module name and
// version (libsepol's layout; selinux.ModuleInfo reads no further).
func fakeModule(t *testing.T, name, version string) *selinux.Module {
	t.Helper()
	var mod bytes.Buffer
	w := func(v uint32) { _ = binary.Write(&mod, binary.LittleEndian, v) }
	str := func(s string) { w(uint32(len(s))); mod.WriteString(s) }
	w(0xf97cff8d)
	str("SE Linux Module")
	for _, v := range []uint32{2, 21, 1, 0, 0} {
		w(v)
	}
	str(name)
	str(version)
	var pp bytes.Buffer
	for _, v := range []uint32{0xf97cff8f, 1, 1, 16} {
		_ = binary.Write(&pp, binary.LittleEndian, v)
	}
	pp.Write(mod.Bytes())
	r := verifiers.Cmd{Stdin: pp.Bytes()}.Run(t, verifiers.Need(t, "bzip2"), "-9", "-c")
	require.Zero(t, r.Code, r.Stderr)
	return &selinux.Module{PP: pp.Bytes(), Bzip2: []byte(r.Stdout)}
}

func selinuxPlan(t *testing.T, version string) *Plan {
	cat, err := rpmspec.Builtin()
	require.NoError(t, err)
	p, err := NewPlan(Options{Version: version}, cat)
	require.NoError(t, err)
	return p
}

func TestSELinuxPackageFiles(t *testing.T) {
	paths := func(fs []rpmspec.File) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.Path)
		}
		return out
	}
	t.Run("without a compiled module: no module, no scriptlets", func(t *testing.T) {
		files, scripts, reqs, err := selinuxPackageFiles(selinuxPlan(t, "1.0"), Facts{})
		require.NoError(t, err)
		require.Equal(t, []string{"/usr/share/selinux/devel/include/services/qm.if", QMContextsPath, QMFileContextsPath}, paths(files))
		require.Equal(t, rpmspec.Scriptlets{}, scripts)
		require.Empty(t, reqs)
	})
	t.Run("with the module: installed the Fedora way", func(t *testing.T) {
		files, scripts, reqs, err := selinuxPackageFiles(selinuxPlan(t, "1.0"), Facts{PolicyModule: fakeModule(t, "qm", "1.0")})
		require.NoError(t, err)
		require.Contains(t, paths(files), "/usr/share/selinux/packages/qm.pp.bz2")
		require.Contains(t, scripts.Post, "semodule -n -s \"${selinuxtype}\" -X 200 -i /usr/share/selinux/packages/qm.pp.bz2")
		require.Contains(t, scripts.PostUn, "-X 200 -r qm")
		require.Len(t, reqs, 3)
		sc := verifiers.Need(t, "shellcheck")
		for name, body := range map[string]string{"post": scripts.Post, "postun": scripts.PostUn} {
			r := verifiers.Cmd{Stdin: []byte(body)}.Run(t, sc, "-s", "sh", "-")
			require.Zero(t, r.Code, "%s: %s", name, r.Stdout)
		}
	})
	for _, tc := range []struct {
		name, version string
		want          string
	}{
		{"module version differs from the package", "1.1", "the compiled SELinux module is qm 1.0, but the package is qm 1.1"},
		{"module of another name", "1.0", "the compiled SELinux module is other 1.0"},
		{"version policy_module cannot take", "1.0~rc1", "cannot be the SELinux module version"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := Facts{}
			switch tc.name {
			case "module version differs from the package":
				f.PolicyModule = fakeModule(t, "qm", "1.0")
			case "module of another name":
				f.PolicyModule = fakeModule(t, "other", "1.0")
			}
			_, err := Compose(selinuxPlan(t, tc.version), f)
			require.ErrorContains(t, err, tc.want)
			var bi interface{ BadInput() bool }
			require.True(t, errors.As(err, &bi) && bi.BadInput())
		})
	}
}
