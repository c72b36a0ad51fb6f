package build

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/stages"
	"github.com/qm-build/qm-build/stages/publish/publishtest/repocheck"
)

// runRepoStages runs compose, rpms and repo for o into out.
func runRepoStages(t *testing.T, out string, o rootfs.Options) *stages.Build {
	t.Helper()
	plan := testPlan(t, o)
	b := &stages.Build{Plan: plan, Epoch: plan.Epoch, OutDir: out, Log: io.Discard}
	require.NoError(t, stages.Run(context.Background(), b, []stages.Stage{stages.Compose, RPMs, Repo}, nil))
	return b
}

func TestRepoStage(t *testing.T) {
	out := t.TempDir()
	b := runRepoStages(t, out, rootfs.Options{Dropins: []string{"all"}})
	listed, err := repocheck.Check(filepath.Join(out, RepoDir))
	require.NoError(t, err)
	require.Len(t, listed, len(b.Content.Packages))

	var kinds []string
	for _, a := range b.Artifacts {
		if a.Stage == "repo" {
			kinds = append(kinds, a.Path)
			require.True(t, strings.HasPrefix(a.Path, RepoDir+"/repodata/"), a.Path)
		}
	}
	require.Len(t, kinds, 4, "three metadata files and repomd.xml")

	t.Run("a rebuild with fewer drop-ins drops the others", func(t *testing.T) {
		runRepoStages(t, out, rootfs.Options{Dropins: []string{"kvm"}})
		listed, err := repocheck.Check(filepath.Join(out, RepoDir))
		require.NoError(t, err)
		sort.Strings(listed)
		require.Len(t, listed, 2)
		require.True(t, strings.HasPrefix(listed[0], "qm-"), listed[0])
	})
	t.Run("the same build gives the same repodata", func(t *testing.T) {
		read := func() string {
			data, err := os.ReadFile(filepath.Join(out, RepoDir, "repodata", "repomd.xml"))
			require.NoError(t, err)
			return string(data)
		}
		before := read()
		other := t.TempDir()
		runRepoStages(t, other, rootfs.Options{Dropins: []string{"kvm"}})
		data, err := os.ReadFile(filepath.Join(other, RepoDir, "repodata", "repomd.xml"))
		require.NoError(t, err)
		require.Equal(t, before, string(data))
		require.Contains(t, before, "<revision>1700000000</revision>")
	})
}
