package repodata_test

import (
	"maps"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/stages/publish/publishtest/testrpm"
	"github.com/qm-build/qm-build/stages/publish/publishtest/xmltree"
)

// differentialRepo fills a directory with the rich rpmbuild package, the
// project's packages and their stubs (in a sub-directory), all with the
// fixed modification time.
func differentialRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	copyInto(t, dir, "", buildRich(t))
	staging := t.TempDir()
	copyInto(t, dir, "", testrpm.WriteProject(t, staging, nil)...)
	copyInto(t, dir, "stubs", testrpm.Write(t, filepath.Join(staging, "stubs"), testrpm.Stubs(testrpm.Project(t))...)...)
	return dir
}

// TestMatchesCreaterepo runs createrepo_c and qm-build on the same RPMs and
// compares every package entry of primary, filelists and other, parsed into
// element trees: names, attributes, text and order of children.
func TestMatchesCreaterepo(t *testing.T) {
	dir := differentialRepo(t)
	theirs, err := xmltree.Load(createrepo(t, dir))
	require.NoError(t, err)
	generate(t, dir, optionsAt(fixedTime))
	ours, err := xmltree.Load(dir)
	require.NoError(t, err)

	for _, kind := range []string{"primary", "filelists", "other"} {
		t.Run(kind, func(t *testing.T) {
			require.Contains(t, theirs.Docs, kind)
			require.Contains(t, ours.Docs, kind)
			want, got := theirs.Docs[kind].Packages(), ours.Docs[kind].Packages()
			require.Equal(t, slices.Sorted(maps.Keys(want)), slices.Sorted(maps.Keys(got)), "the same packages")
			require.Greater(t, len(want), 5)
			for id, w := range want {
				require.Equal(t, w, got[id], "package %s", id)
			}
			require.Equal(t, theirs.Docs[kind].Attrs, ours.Docs[kind].Attrs, "root attributes (packages=)")
		})
	}
	t.Run("repomd records", func(t *testing.T) {
		types := func(r *xmltree.Repo) []string {
			var out []string
			for _, d := range r.Repomd.Children {
				if d.Name == "data" {
					out = append(out, d.Attrs["type"])
				}
			}
			return out
		}
		require.Equal(t, types(theirs), types(ours))
	})
}
