package stages

import (
	"errors"
	"fmt"
	"path/filepath"
	"syscall"

	"github.com/qm-build/qm-build/rootfs"
)

// unmountStore undoes the mounts containers/storage's overlay driver leaves
// on a store it wrote: it bind-mounts the store's DRIVER/ directory on
// itself (a private mount), once a process that opens the store, and skopeo
// exits without unmounting it. Left there, the temporary store could not be
// removed and the mounts would outlive qm-build.
func unmountStore(root string) error {
	dir := filepath.Join(root, rootfs.NestedStoreDriver)
	for {
		err := syscall.Unmount(dir, syscall.MNT_DETACH)
		switch {
		case err == nil:
			continue // the mounts stack: one a skopeo run
		case errors.Is(err, syscall.EINVAL), errors.Is(err, syscall.ENOENT):
			return nil // no longer a mount point
		default:
			return fmt.Errorf("baking nested images: unmounting %s, which containers/storage mounted: %w", dir, err)
		}
	}
}
