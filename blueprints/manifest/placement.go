package manifest

import (
	"bytes"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
)

// entry is one tree file placed in a pipeline: at path in the qm_rootfs
// tree, or at a host path in the os tree.
type entry struct {
	path string
	file rootfs.TreeFile
}

// placement splits Content.Tree between the two pipelines.
type placement struct {
	rootfs []entry // qm_rootfs-relative: copied to /usr/lib/qm/rootfs, /etc/qm, /var/qm
	host   []entry // everything else, written into os
}

// qmMounts are the image paths the os pipeline's org.osbuild.copy fills from
// the qm_rootfs tree (AIB's design): the rootfs itself, and its etc/ and var/
// again as the host's /etc/qm and /var/qm, which the qm quadlet mounts over
// the rootfs's own at run time.
var qmMounts = []struct{ image, tree string }{
	{rpmspec.QMRootfs, "/"},
	{rpmspec.QMEtc, "/etc"},
	{rpmspec.QMVar, "/var"},
}

// rootfsPath maps an image path into the qm_rootfs tree.
func rootfsPath(p string) (string, bool) {
	for _, m := range qmMounts {
		if p == m.image {
			return m.tree, true
		}
		if strings.HasPrefix(p, m.image+"/") {
			return path.Join(m.tree, strings.TrimPrefix(p, m.image+"/")), true
		}
	}
	return "", false
}

// place splits the tree. Two tree files that land on the same path with
// different content (say /usr/lib/qm/rootfs/etc/x and /etc/qm/x) are an
// error naming both. The mount points themselves (/usr/lib/qm/rootfs,
// /etc/qm, /var/qm) are host directories: os creates them, and their modes
// apply after the copy.
func place(tree []rootfs.TreeFile) (placement, error) {
	var pl placement
	var errs rpmspec.Errors
	byRootfs, byHost := map[string]rootfs.TreeFile{}, map[string]rootfs.TreeFile{}
	for _, tf := range tree {
		if err := rpmspec.CheckPath(tf.Path); err != nil {
			errs = append(errs, &rpmspec.InputError{File: tf.Origin, Field: "stage " + tf.Stage, Msg: err.Error()})
			continue
		}
		target, seen, list := tf.Path, byHost, &pl.host
		if p, ok := rootfsPath(tf.Path); ok && !(tf.Kind == rpmspec.KindDir && isQMMount(tf.Path)) {
			target, seen, list = p, byRootfs, &pl.rootfs
		}
		if prev, dup := seen[target]; dup {
			if !sameFile(prev, tf) {
				errs = append(errs, &rpmspec.InputError{Field: "tree", Msg: fmt.Sprintf("%s (stage %s) and %s (stage %s) both land on %s with different content", prev.Path, prev.Stage, tf.Path, tf.Stage, target)})
			}
			continue
		}
		seen[target] = tf
		*list = append(*list, entry{path: target, file: tf})
	}
	for _, l := range []*[]entry{&pl.rootfs, &pl.host} {
		sort.SliceStable(*l, func(i, j int) bool { return (*l)[i].path < (*l)[j].path })
	}
	return pl, errs.Err()
}

func isQMMount(p string) bool {
	for _, m := range qmMounts {
		if p == m.image {
			return true
		}
	}
	return false
}

// sameFile reports whether two tree files would write the same thing.
func sameFile(a, b rootfs.TreeFile) bool {
	return a.Kind == b.Kind && a.Mode == b.Mode && a.OwnerName() == b.OwnerName() &&
		a.GroupName() == b.GroupName() && bytes.Equal(a.Body, b.Body) && a.Target == b.Target &&
		a.Merge == b.Merge && a.Flags&rpmspec.FlagGhost == b.Flags&rpmspec.FlagGhost
}
