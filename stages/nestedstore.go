package stages

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
)

// NestedImages bakes the plan's nested images into QM's image store
// (rootfs.NestedStore): skopeo copies each source into a containers-storage
// store (vfs driver) in a temporary directory, the store is made
// reproducible (NormalizeStore), and its files are recorded for the
// finish-tree stage like every other file of the tree.
var NestedImages = Stage{
	Name:   "nested-images",
	Reads:  []string{"plan:nested images (--nested-image)"},
	Writes: []string{"tree:" + rootfs.NestedStore + " (skopeo copy into containers-storage, vfs)"},
	Run: func(ctx context.Context, b *Build) error {
		if b.Tree == nil || len(b.Plan.Nested) == 0 {
			return nil
		}
		skopeo, err := exec.LookPath("skopeo")
		if err != nil {
			return fmt.Errorf("baking nested images: skopeo is needed to write QM's image store: %w", err)
		}
		tmp, err := os.MkdirTemp("", "qm-build-nested-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		store := filepath.Join(tmp, "store")
		if err := WriteNestedStore(ctx, skopeo, store, filepath.Join(tmp, "run"), b.Plan.Nested); err != nil {
			return err
		}
		if err := NormalizeStore(store, b.Epoch); err != nil {
			return err
		}
		files, err := StoreFiles(store, rootfs.NestedStore)
		if err != nil {
			return err
		}
		for _, f := range files {
			if err := b.Tree.Add(f); err != nil {
				return err
			}
		}
		for _, n := range b.Plan.Nested {
			b.Notes = append(b.Notes, fmt.Sprintf("nested-images: %s baked into %s as %s", n.Source, rootfs.NestedStore, n.Pinned()))
		}
		return nil
	},
}

// WriteNestedStore copies each image into the containers-storage store at
// root (graph root; runRoot is the run root) with skopeo, under its store
// name.
func WriteNestedStore(ctx context.Context, skopeo, root, runRoot string, images []rootfs.NestedImage) error {
	for _, n := range images {
		dest := fmt.Sprintf("containers-storage:[%s@%s+%s]%s", rootfs.NestedStoreDriver, root, runRoot, n.StoreName())
		cmd := exec.CommandContext(ctx, skopeo, "copy", "--quiet", n.Source.String(), dest)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("copying %s into QM's image store (%s): %w: %s", n.Source, n.Key, err, strings.TrimSpace(stderr.String()))
		}
	}
	return nil
}

// createdRE matches the creation times containers-storage records in
// images.json and layers.json.
var createdRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`"created":"[^"]*"`) })

// NormalizeStore makes a store written by containers-storage reproducible:
// the creation times of its images and layers become epoch (when set), and
// its lock files, which hold the identity of the last writer, become empty
// (as containers-storage creates them). Nothing else a store holds depends
// on when or where it was written: layer and image IDs are digests.
func NormalizeStore(root string, epoch time.Time) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch name := d.Name(); {
		case strings.HasSuffix(name, ".lock"):
			return os.Truncate(p, 0)
		case (name == "images.json" || name == "layers.json" || name == "containers.json") && !epoch.IsZero():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			stamp := []byte(`"created":"` + epoch.UTC().Format(time.RFC3339Nano) + `"`)
			return os.WriteFile(p, createdRE().ReplaceAllLiteral(data, stamp), 0o600)
		}
		return nil
	})
}

// StoreFiles lists a store's directories, files and symlinks as files of
// the tree under dest. Every path of a store is root's: a layer's file owned
// by another user, or a device node, cannot be recorded and is refused.
func StoreFiles(root, dest string) ([]rpmspec.File, error) {
	const origin = "stages/nestedstore.go"
	var out []rpmspec.File
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		target := path.Join(dest, filepath.ToSlash(rel))
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if uid, gid, ok := fileOwner(fi); ok && (uid != 0 || gid != 0) {
			return fmt.Errorf("baking nested images: %s is owned by %d:%d; only root's files can be baked into QM's store yet", rel, uid, gid)
		}
		f := rpmspec.File{Path: target, Mode: fi.Mode().Perm() | fi.Mode()&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky), Origin: origin}
		switch {
		case fi.IsDir():
			f.Kind = rpmspec.KindDir
		case fi.Mode()&fs.ModeSymlink != 0:
			f.Kind = rpmspec.KindSymlink
			if f.Target, err = os.Readlink(p); err != nil {
				return err
			}
		case fi.Mode().IsRegular():
			f.Kind = rpmspec.KindFile
			if f.Body, err = os.ReadFile(p); err != nil {
				return err
			}
		default:
			return fmt.Errorf("baking nested images: %s is a %s, which cannot be baked into QM's store", rel, fi.Mode().Type())
		}
		out = append(out, f)
		return nil
	})
	return out, err
}
