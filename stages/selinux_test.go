package stages

import (
	"bytes"
	"compress/bzip2"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/selinux"
	"github.com/qm-build/qm-build/test/verifiers"
)

func selinuxBuild(t *testing.T, env map[string]string) *Build {
	cat, err := rpmspec.Builtin()
	require.NoError(t, err)
	p, err := rootfs.NewPlan(rootfs.Options{}, cat)
	require.NoError(t, err)
	return &Build{Plan: p, OutDir: t.TempDir(), Epoch: time.Unix(1700000000, 0), Env: func(k string) string { return env[k] }}
}

func TestSELinuxPolicyStage(t *testing.T) {
	for _, tool := range []string{"make", "checkmodule", "bzip2"} {
		verifiers.Need(t, tool)
	}
	t.Run("builds the module and the qm package ships it", func(t *testing.T) {
		b := selinuxBuild(t, nil)
		require.NoError(t, Run(context.Background(), b, []Stage{SELinuxPolicy, Compose}, nil))
		require.NotNil(t, b.Facts.PolicyModule)
		pp, err := io.ReadAll(bzip2.NewReader(bytes.NewReader(b.Facts.PolicyModule.Bzip2)))
		require.NoError(t, err)
		require.Equal(t, b.Facts.PolicyModule.PP, pp, "the .pp.bz2 is the .pp compressed")
		name, version, err := selinux.ModuleInfo(pp)
		require.NoError(t, err)
		require.Equal(t, []string{"qm", rpmspec.DefaultVersion}, []string{name, version})
		var got []string
		for _, a := range b.Artifacts {
			got = append(got, a.Path)
		}
		require.Equal(t, []string{"selinux/qm.te", "selinux/qm.if", "selinux/qm.fc", "selinux/qm_container_compat.if", "selinux/qm.pp", "selinux/qm.pp.bz2"}, got)
		onDisk, err := os.ReadFile(filepath.Join(b.OutDir, "selinux", "qm.pp.bz2"))
		require.NoError(t, err)
		require.Equal(t, b.Facts.PolicyModule.Bzip2, onDisk)
		var shipped []byte
		for _, f := range b.Content.Package("qm").Files {
			if f.Path == rootfs.PolicyModulePath {
				shipped = f.Body
			}
		}
		require.Equal(t, b.Facts.PolicyModule.Bzip2, shipped)
		require.NotEmpty(t, b.Content.Package("qm").Scripts.Post)

		again := selinuxBuild(t, nil)
		require.NoError(t, Run(context.Background(), again, []Stage{SELinuxPolicy}, nil))
		require.Equal(t, b.Artifacts, again.Artifacts, "byte-identical outputs")
	})
	t.Run("without the devel Makefile the build goes on and says why", func(t *testing.T) {
		b := selinuxBuild(t, map[string]string{EnvSELinuxMakefile: "/nonexistent/Makefile"})
		require.NoError(t, Run(context.Background(), b, []Stage{SELinuxPolicy, Compose}, nil))
		require.Nil(t, b.Facts.PolicyModule)
		require.Len(t, b.Artifacts, 4)
		require.NotEmpty(t, b.Notes)
		require.Contains(t, b.Notes[0], "qm.pp was not built")
		require.Contains(t, b.Notes[0], "/nonexistent/Makefile (package selinux-policy-dev")
		for _, f := range b.Content.Package("qm").Files {
			require.NotEqual(t, rootfs.PolicyModulePath, f.Path)
		}
		require.Empty(t, b.Content.Package("qm").Scripts.Post)
	})
	t.Run("a version policy_module cannot take is bad input", func(t *testing.T) {
		b := selinuxBuild(t, nil)
		b.Plan.Version = "1.0~rc1"
		err := Run(context.Background(), b, []Stage{SELinuxPolicy}, nil)
		var se *StageError
		require.ErrorAs(t, err, &se)
		require.True(t, se.BadInput())
	})
}
