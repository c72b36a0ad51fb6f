package manifest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/qm-build/qm-build/blueprints"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/blueprints/qmstage"
	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
)

func TestQMStageManifest(t *testing.T) {
	o := rootfs.Options{Distro: "cs9", Arch: "aarch64", Dropins: []string{"kvm"}, MemoryMax: "2G", Controller: rootfs.Controller{Socket: true}}
	c := compose(t, o)
	m, err := New(Options{Content: c, QMStage: true})
	require.NoError(t, err)
	got, err := m.Serialize(loadLockNoUpdate(t, "cs9", "aarch64"))
	require.NoError(t, err)
	requireWellFormed(t, got, c, "aarch64", qmstage.StageName)

	d := decodeManifest(t, got)
	qm := d.pipeline(t, blueprints.PipelineQMRootfs)
	require.Len(t, qm.Stages, 1, "qm_rootfs only installs QM's package set")
	require.Equal(t, "org.osbuild.rpm", qm.Stages[0].Type)
	require.NotContains(t, d.Sources, "org.osbuild.inline", "no inline files")

	osp := d.pipeline(t, blueprints.PipelineOS)
	at := osp.index(qmstage.StageName, nil)
	require.Equal(t, len(osp.Stages)-2, at, "org.osbuild.qm runs right before org.osbuild.selinux")
	require.Equal(t, "org.osbuild.copy", osp.Stages[at-1].Type)

	// The stage decodes its options into the manifest's plan.
	raw, err := json.Marshal(osp.Stages[at].Options)
	require.NoError(t, err)
	opts, err := qmstage.DecodeOptions(raw)
	require.NoError(t, err)
	require.Equal(t, qmstage.OptionsFromPlan(c.Plan), opts)
	cat, err := rpmspec.Builtin()
	require.NoError(t, err)
	p, err := qmstage.Plan(opts, cat)
	require.NoError(t, err)
	require.Equal(t, c.Plan.DropinNames(), p.DropinNames())
	require.Equal(t, "2G", p.MemoryMax)
	require.True(t, p.Controller.Socket)
}

func TestQMStageRefusesUserDropins(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "mine.yaml"), []byte("name: mine\nsummary: mine\ndescription: mine\ndevices:\n  qm: [/dev/mine]\n"), 0o644))
	cat, err := rpmspec.Builtin()
	require.NoError(t, err)
	names, err := cat.AddDir(os.DirFS(dir), dir)
	require.NoError(t, err)
	plan, err := rootfs.NewPlan(rootfs.Options{Distro: "cs9", Dropins: names}, cat)
	require.NoError(t, err)
	c, err := rootfs.Compose(plan, rootfs.Facts{})
	require.NoError(t, err)
	m, err := New(Options{Content: c, QMStage: true})
	require.NoError(t, err)
	_, err = m.Serialize(loadLockNoUpdate(t, "cs9", "x86_64"), blueprints.LockedPackage{Name: "qm-mine", Version: "1.0", Release: "1", Arch: "noarch", Checksum: goodSum, URL: "file:///x/qm-mine.rpm"})
	require.ErrorContains(t, err, `drop-in "mine" is not built in`)
	require.True(t, rpmspec.IsBadInput(err))
}
