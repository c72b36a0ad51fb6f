package stages

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base32"
	"errors"
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
// store in a temporary directory, written with the graph driver of QM's
// podman (rootfs.NestedStoreDriver, overlay, which needs root), the store is
// made reproducible (NormalizeStore), and its files are recorded for the
// finish-tree stage like every other file of the tree.
var NestedImages = Stage{
	Name:   "nested-images",
	Reads:  []string{"plan:nested images (--nested-image)"},
	Writes: []string{"tree:" + rootfs.NestedStore + " (skopeo copy into containers-storage, " + rootfs.NestedStoreDriver + ")"},
	Run: func(ctx context.Context, b *Build) error {
		if b.Tree == nil || len(b.Plan.Nested) == 0 {
			return nil
		}
		skopeo, err := exec.LookPath("skopeo")
		if err != nil {
			return fmt.Errorf("baking nested images: skopeo is needed to write QM's image store: %w", err)
		}
		if err := canWriteStore(); err != nil {
			return err
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

// geteuid is the process's effective user ID (a variable for tests).
var geteuid = os.Geteuid

// canWriteStore says why this process cannot write QM's image store: the
// overlay driver mounts to initialise a store and to apply layers, which
// needs root (or a user namespace in which the process is root), as osbuild
// runs its stages. qm-build never falls back to another driver: QM's podman
// would not see the images.
func canWriteStore() error {
	if uid := geteuid(); uid != 0 {
		return fmt.Errorf("baking nested images: writing QM's image store with the %s graph driver (the one QM's podman reads it with) needs root, as osbuild runs its stages; this process runs as user %d: run qm-build as root, or in a user namespace where it is root (unshare --map-root-user)", rootfs.NestedStoreDriver, uid)
	}
	return nil
}

// WriteNestedStore copies each image into the containers-storage store at
// root (graph root; runRoot is the run root) with skopeo, under its store
// name, and leaves no mount behind (unmountStore).
func WriteNestedStore(ctx context.Context, skopeo, root, runRoot string, images []rootfs.NestedImage) (err error) {
	defer func() {
		if uerr := unmountStore(root); err == nil {
			err = uerr
		}
	}()
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
// the creation times of its images and layers become epoch (when set), its
// lock files, which hold the identity of the last writer, become empty (as
// containers-storage creates them), and the short names an overlay store
// gives its layers at random are derived from the layer IDs
// (NormalizeOverlayLinks). Nothing else a store holds depends on when or
// where it was written: layer and image IDs are digests.
func NormalizeStore(root string, epoch time.Time) error {
	if err := NormalizeOverlayLinks(root); err != nil {
		return err
	}
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

// OverlayLinkName is a layer's short name in an overlay store: the first 26
// characters of the base32 encoding (containers/storage's alphabet) of the
// SHA-256 of its ID. containers/storage picks 26 random characters instead;
// any name does, as long as the layer's link file, its symlink in l/ and the
// lower files of the layers above it agree.
func OverlayLinkName(layerID string) string {
	sum := sha256.Sum256([]byte(layerID))
	return base32.StdEncoding.EncodeToString(sum[:])[:overlayLinkLen]
}

// overlayLinkLen is the length of containers/storage's short layer names.
const overlayLinkLen = 26

// NormalizeOverlayLinks renames the short names of the layers of the overlay
// store at root (overlay/ID/link, the symlink overlay/l/NAME → ../ID/diff,
// and each l/NAME of the colon-separated overlay/ID/lower files) to
// OverlayLinkName(ID). A store with no overlay/ directory is left alone; a
// link, symlink or lower entry that does not fit the others is an error
// rather than a store podman could not mount.
func NormalizeOverlayLinks(root string) error {
	r, err := os.OpenRoot(filepath.Join(root, "overlay"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer r.Close()
	fail := func(format string, args ...any) error {
		return fmt.Errorf("baking nested images: the overlay store's layer links do not fit: "+format, args...)
	}
	entries, err := fs.ReadDir(r.FS(), ".")
	if err != nil {
		return err
	}
	renamed := map[string]string{} // old short name → new
	var layers []string
	for _, e := range entries {
		if !e.IsDir() || e.Name() == "l" {
			continue
		}
		id := e.Name()
		old, err := r.ReadFile(path.Join(id, "link"))
		if err != nil {
			return fail("layer %s: %w", id, err)
		}
		if target, err := r.Readlink(path.Join("l", string(old))); err != nil || target != "../"+id+"/diff" {
			return fail("layer %s: l/%s is not a link to ../%s/diff (%q, %v)", id, old, id, target, err)
		}
		renamed[string(old)] = OverlayLinkName(id)
		layers = append(layers, id)
	}
	links, err := fs.ReadDir(r.FS(), "l")
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	for _, l := range links {
		if _, ok := renamed[l.Name()]; !ok {
			return fail("l/%s names no layer", l.Name())
		}
		if err := r.Remove(path.Join("l", l.Name())); err != nil {
			return err
		}
	}
	for _, id := range layers {
		name := OverlayLinkName(id)
		if err := r.Symlink("../"+id+"/diff", path.Join("l", name)); err != nil {
			return err
		}
		if err := r.WriteFile(path.Join(id, "link"), []byte(name), 0o644); err != nil {
			return err
		}
		lower, err := r.ReadFile(path.Join(id, "lower"))
		if errors.Is(err, fs.ErrNotExist) {
			continue // a layer with no parent
		}
		if err != nil {
			return err
		}
		parts := strings.Split(string(lower), ":")
		for i, p := range parts {
			n, ok := renamed[strings.TrimPrefix(p, "l/")]
			if !ok || !strings.HasPrefix(p, "l/") {
				return fail("layer %s: lower entry %q names no layer of the store", id, p)
			}
			parts[i] = "l/" + n
		}
		if err := r.WriteFile(path.Join(id, "lower"), []byte(strings.Join(parts, ":")), 0o644); err != nil {
			return err
		}
	}
	return nil
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
