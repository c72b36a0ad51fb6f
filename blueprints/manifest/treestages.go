package manifest

import (
	"maps"
	"path"
	"slices"
	"sort"

	"github.com/osbuild/images/pkg/customizations/fsnode"
	"github.com/osbuild/images/pkg/osbuild"

	"github.com/qm-build/qm-build/rpmspec"
)

// treeStages turns placed tree files into typed stages: one org.osbuild.mkdir
// for the directories and the parents of every file and link (parents,
// exist_ok: packages may already own them), one org.osbuild.copy from
// org.osbuild.inline sources for the files, one org.osbuild.ln for the links,
// then one org.osbuild.chmod with every mode and one org.osbuild.chown for the
// entries not owned by root. inline receives each file's data. A %ghost file
// is owned by a package, not written.
//
// A blueprints.Merge file (subuid, subgid) is written whole: in qm_rootfs the file is
// fresh from the package set, so its lines are the file.
func treeStages(entries []entry, inline *[]string) ([]any, error) {
	dirs := map[string]bool{}
	var files []*fsnode.File
	var links []lnStagePath
	modes := map[string]osbuild.ChmodStagePathOptions{}
	owners := map[string]osbuild.ChownStagePathOptions{}
	for _, e := range entries {
		f := e.file
		switch {
		case f.Kind == rpmspec.KindDir:
			dirs[e.path] = true
		case f.Flags&rpmspec.FlagGhost != 0:
			continue
		case f.Kind == rpmspec.KindSymlink:
			links = append(links, lnStagePath{Target: f.Target, LinkName: "tree://" + e.path, Symbolic: true})
		default:
			node, err := fsnode.NewFile(e.path, nil, nil, nil, f.Body)
			if err != nil {
				return nil, &rpmspec.InputError{File: f.Origin, Field: "stage " + f.Stage, Msg: err.Error()}
			}
			files = append(files, node)
			*inline = append(*inline, string(f.Body))
		}
		if d := path.Dir(e.path); path.Dir(d) != "/" && f.Kind != rpmspec.KindDir {
			dirs[d] = true // top-level directories (/etc, /usr, /var) exist
		}
		if f.Kind != rpmspec.KindSymlink {
			modes[e.path] = osbuild.ChmodStagePathOptions{Mode: f.OctalMode()}
		}
		if f.OwnerName() != "root" || f.GroupName() != "root" {
			owners[e.path] = osbuild.ChownStagePathOptions{User: f.OwnerName(), Group: f.GroupName()}
		}
	}
	var stages []any
	if len(dirs) > 0 {
		stages = append(stages, mkdirStage(slices.Sorted(maps.Keys(dirs))))
	}
	for _, s := range osbuild.GenFileNodesStages(files) {
		stages = append(stages, s)
	}
	if len(links) > 0 {
		stages = append(stages, newLnStage(&lnStageOptions{Paths: links}))
	}
	if len(modes) > 0 {
		stages = append(stages, osbuild.NewChmodStage(&osbuild.ChmodStageOptions{Items: modes}))
	}
	if len(owners) > 0 {
		stages = append(stages, osbuild.NewChownStage(&osbuild.ChownStageOptions{Items: owners}))
	}
	return stages, nil
}

// mkdirStage creates directories with their parents, leaving existing ones
// alone; modes follow in org.osbuild.chmod.
func mkdirStage(dirs []string) *osbuild.Stage {
	sort.Strings(dirs)
	paths := make([]osbuild.MkdirStagePath, len(dirs))
	for i, d := range dirs {
		paths[i] = osbuild.MkdirStagePath{Path: d, Parents: true, ExistOk: true}
	}
	return osbuild.NewMkdirStage(&osbuild.MkdirStageOptions{Paths: paths})
}
