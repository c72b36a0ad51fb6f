package stages

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
)

// The stages that write QM's content into an image tree. Each reads the
// composed content and writes its part through rootfs.Tree (os.Root, atomic
// files), so nothing escapes the tree and no file is ever half-written.
// Running them twice gives the same tree.

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

// FinishTree gives every directory of the content its final mode, deepest
// first (earlier stages keep directories writable for their owner while they
// fill them, so that a 0555 directory such as the rootfs can be filled without
// root), then sets every written path's time to SOURCE_DATE_EPOCH.
var FinishTree = Stage{
	Name:   "finish-tree",
	Reads:  []string{"content"},
	Writes: []string{"tree:directory modes and times"},
	Run: func(ctx context.Context, b *Build) error {
		if b.Tree == nil {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		// Only directories whose mode writeFiles widened need a second write.
		var dirs []rpmspec.File
		for _, pkg := range b.Content.Packages {
			for _, f := range pkg.Files {
				if f.Kind == rpmspec.KindDir && f.Mode&0o700 != 0o700 {
					dirs = append(dirs, f)
				}
			}
		}
		for _, tf := range b.Content.Tree {
			if tf.Kind == rpmspec.KindDir && tf.Mode&0o700 != 0o700 {
				dirs = append(dirs, tf.File)
			}
		}
		sort.SliceStable(dirs, func(i, j int) bool { return dirs[i].Path > dirs[j].Path })
		for _, d := range dirs {
			if err := b.Tree.Write(d); err != nil {
				return escapeError(b, err)
			}
		}
		return b.Tree.FinishTimes()
	},
}

// writeFiles writes model files into the tree in path order, parents first.
// Directories are made owner-writable for now (FinishTree sets their final
// modes). Regular files are recorded as "tree" artifacts.
func writeFiles(ctx context.Context, b *Build, stage string, files []rpmspec.File) error {
	sorted := append([]rpmspec.File(nil), files...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Path < sorted[j].Path })
	for _, f := range sorted {
		if err := ctx.Err(); err != nil {
			return err
		}
		if f.Kind == rpmspec.KindDir {
			f.Mode |= 0o700
		}
		if err := b.Tree.Write(f); err != nil {
			return escapeError(b, err)
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
	cur, err := b.Tree.ReadFile(f.Path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return escapeError(b, fmt.Errorf("reading %s: %w", f.Path, err))
	}
	f.Body = MergeLines(cur, f.Body)
	if err := b.Tree.Write(f); err != nil {
		return escapeError(b, err)
	}
	b.AddArtifact(stage, "tree", f.Path, f.Body)
	return nil
}

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
		return rootfs.TreeError(b.Tree.Dir(), fmt.Errorf("%w (a symlink in the tree points outside it; qm-build writes only inside the tree)", err))
	case strings.Contains(msg, "exists and is not a directory"), strings.Contains(msg, "exists and is a directory"):
		return rootfs.TreeError(b.Tree.Dir(), err)
	}
	return err
}
