package stages

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
)

// The stages that write QM's content into an image tree. Each reads the
// composed content and records its part (rootfs.Tree.Add); the finish-tree
// stage writes it all at once (rootfs.Tree.Commit: validated, staged, renamed
// into place, through os.Root), so nothing escapes the tree, nothing is
// written when the tree cannot take the plan, and no file is ever
// half-written. Running them again, with the same plan or another, gives the
// tree the last plan alone gives.

// Facts reads what the target tree says (the host's BlueChi node name, its
// time zone, its containers seccomp profile) before compose.
var Facts = Stage{
	Name:   "facts",
	Reads:  []string{"tree:/etc/bluechi", "tree:/etc/localtime", "tree:/usr/share/containers/seccomp.json"},
	Writes: []string{"facts"},
	Run: func(ctx context.Context, b *Build) error {
		if b.Tree == nil {
			return nil
		}
		f, err := rootfs.ReadFacts(b.Tree)
		if err != nil {
			return escapeError(b, err)
		}
		b.Facts.HostNodeName, b.Facts.Timezone, b.Facts.Seccomp = f.HostNodeName, f.Timezone, f.Seccomp
		return nil
	},
}

// Payload writes the payload of the qm and drop-in packages, as an RPM
// install would.
var Payload = Stage{
	Name:   "payload",
	Reads:  []string{"content"},
	Writes: []string{"tree:package payloads"},
	Run: func(ctx context.Context, b *Build) error {
		if b.Tree == nil {
			return nil
		}
		for _, pkg := range b.Content.Packages {
			if err := writeFiles(ctx, b, "payload", pkg.Files); err != nil {
				return fmt.Errorf("writing the payload of %s: %w", pkg.Name, err)
			}
		}
		return nil
	},
}

// treeStage writes the content's tree files of one stage.
func treeStage(name string, writes ...string) Stage {
	return Stage{
		Name:   name,
		Reads:  []string{"content"},
		Writes: writes,
		Run: func(ctx context.Context, b *Build) error {
			if b.Tree == nil {
				return nil
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			var plain []rpmspec.File
			for _, tf := range b.Content.Tree {
				if tf.Stage != name {
					continue
				}
				if tf.Merge {
					if err := mergeLines(b, name, tf.File); err != nil {
						return err
					}
					continue
				}
				plain = append(plain, tf.File)
			}
			return writeFiles(ctx, b, name, plain)
		},
	}
}

// The tree stages, one per concept (rootfs.TreeStages lists their order).
var (
	Skeleton = treeStage(rootfs.StageSkeleton,
		"tree:/usr/lib/qm/rootfs (skeleton, etc and var mount points)", "tree:/etc/qm", "tree:/var/qm/{tmp,tmp.images,lib/shared}")
	NestedConfig = treeStage(rootfs.StageNestedConfig,
		"tree:/etc/qm/containers/{containers,storage}.conf", "tree:/etc/qm/sub{u,g}id", "tree:/etc/sub{u,g}id",
		"tree:rootfs/usr/share/containers/selinux/contexts", "tree:/etc/qm/selinux/…/file_contexts")
	QuadletDropins = treeStage(rootfs.StageQuadletDropins,
		"tree:/etc/containers/systemd/qm.container.d/50-qm-build-options.conf (options, derived seccomp profile)")
	BlueChi = treeStage(rootfs.StageBlueChi,
		"tree:/etc/qm/bluechi/agent.conf.d/agent.conf", "tree:/etc/qm/systemd/system/multi-user.target.wants/bluechi-agent.service",
		"tree:/etc/containers/systemd/qm.container.d/50-qm-build-bluechi-socket.conf (--controller-socket)")
	Seccomp = treeStage(rootfs.StageSeccomp, "tree:/usr/share/qm/seccomp-no-rt.derived.json (when the tree has a base profile)")
)

// FinishTree writes what the stages before it recorded (rootfs.Tree.Commit):
// it validates the whole plan against the tree first, so that a tree that
// cannot take it is left exactly as it was; writes every file through a
// staging area and renames it into place; removes what an earlier run created
// that this plan no longer has (rootfs.ManifestPath records it); gives each
// directory its final mode and every written path SOURCE_DATE_EPOCH.
var FinishTree = Stage{
	Name:   "finish-tree",
	Reads:  []string{"content", "tree:" + rootfs.ManifestPath},
	Writes: []string{"tree:everything above (validated first, staged, renamed into place)", "tree:" + rootfs.ManifestPath, "tree:removal of an earlier run's paths this plan lacks", "tree:directory modes and times"},
	Run: func(ctx context.Context, b *Build) error {
		if b.Tree == nil {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		res, err := b.Tree.Commit(ctx)
		if err != nil {
			return err
		}
		if n := len(res.Removed); n > 0 {
			b.Notes = append(b.Notes, fmt.Sprintf("tree: removed %d path(s) an earlier run wrote that this plan no longer has: %s", n, someOf(res.Removed)))
		}
		if n := len(res.Kept); n > 0 {
			b.Notes = append(b.Notes, fmt.Sprintf("tree: left %d path(s) an earlier run wrote that changed since (or a directory not empty), no longer qm-build's: %s", n, someOf(res.Kept)))
		}
		return nil
	},
}

// someOf lists up to ten paths, and says how many more there are.
func someOf(paths []string) string {
	const most = 10
	if len(paths) <= most {
		return strings.Join(paths, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(paths[:most], ", "), len(paths)-most)
}

// writeFiles records model files for the finish-tree stage (rootfs.Tree.Add);
// regular files are recorded as "tree" artifacts.
func writeFiles(ctx context.Context, b *Build, stage string, files []rpmspec.File) error {
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := b.Tree.Add(f); err != nil {
			return err
		}
		if f.Kind == rpmspec.KindFile && f.Flags&rpmspec.FlagGhost == 0 {
			b.AddArtifact(stage, "tree", f.Path, f.Body)
		}
	}
	return nil
}

// mergeLines adds each line of f.Body to the tree's file unless the file
// already has it (subuid(5), subgid(5)): existing lines stay as they are and
// in their order, and running the build again adds nothing.
func mergeLines(b *Build, stage string, f rpmspec.File) error {
	cur, err := b.Tree.ReadRegular(f.Path, maxMerged)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return escapeError(b, fmt.Errorf("reading %s: %w", f.Path, err))
	}
	f.Body = MergeLines(cur, f.Body)
	if err := b.Tree.Add(f); err != nil {
		return err
	}
	b.AddArtifact(stage, "tree", f.Path, f.Body)
	return nil
}

// maxMerged bounds a file the stages merge lines into (/etc/subuid): such
// files are a few lines per user.
const maxMerged = 16 << 20

// MergeLines returns cur with every line of add that cur lacks appended, in
// add's order. A cur without a final newline gets one first.
func MergeLines(cur, add []byte) []byte {
	have := map[string]bool{}
	for _, l := range bytes.Split(cur, []byte("\n")) {
		have[string(l)] = true
	}
	out := append([]byte(nil), cur...)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	for _, l := range bytes.Split(add, []byte("\n")) {
		if len(l) == 0 || have[string(l)] {
			continue
		}
		have[string(l)] = true
		out = append(out, l...)
		out = append(out, '\n')
	}
	return out
}

// escapeError makes a tree that cannot take QM's content bad input naming
// the tree: os.Root's refusal to follow a symlink out of it (its error, "path
// escapes from parent", is not exported), or a path that exists as another
// kind (a symlink or file where QM needs a directory).
func escapeError(b *Build, err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "path escapes from parent"):
		return &rootfs.TreeError{Dir: b.Tree.Dir(), Err: fmt.Errorf("%w (a symlink in the tree points outside it; qm-build writes only inside the tree)", err)}
	case strings.Contains(msg, "exists and is not a directory"), strings.Contains(msg, "exists and is a directory"):
		return &rootfs.TreeError{Dir: b.Tree.Dir(), Err: err}
	}
	return err
}
