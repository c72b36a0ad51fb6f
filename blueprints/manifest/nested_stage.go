package manifest

import (
	"github.com/osbuild/images/pkg/container"
	"github.com/osbuild/images/pkg/osbuild"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
)

// Nested images baked into QM's store (docs/nested-images.md) are osbuild's
// own stages in qm_rootfs: org.osbuild.skopeo copies each image from the
// build host's container storage (the org.osbuild.containers-storage
// source, keyed by image ID) into the store inside QM's rootfs, with the
// driver `qm-build build` uses; org.osbuild.containers.storage.conf then
// lists the store in QM's storage.conf (already written so by qm-build's
// tree stages; osbuild merges the same list in).

// nestedSpecs are the plan's nested images as osbuild/images' container
// specs: local (the host's containers-storage), by image ID, stored under
// the image's store name.
func nestedSpecs(nested []rootfs.NestedImage) []container.Spec {
	var out []container.Spec
	for _, n := range nested {
		out = append(out, container.Spec{
			Source:       n.Name,
			Digest:       n.Digest,
			ImageID:      n.ID,
			LocalName:    n.StoreName(),
			LocalStorage: true,
		})
	}
	return out
}

// nestedStages are the stages that bake nested images into qm_rootfs.
func nestedStages(nested []rootfs.NestedImage) []any {
	if len(nested) == 0 {
		return nil
	}
	skopeo := osbuild.NewSkopeoStageWithContainersStorage(rootfs.NestedStoreInQM, osbuild.NewLocalContainersInputForSources(nestedSpecs(nested)), nil)
	skopeo.Options = &osbuild.SkopeoStageOptions{Destination: osbuild.SkopeoDestinationContainersStorage{
		Type:          "containers-storage",
		StoragePath:   rootfs.NestedStoreInQM,
		StorageDriver: rootfs.NestedStoreDriver,
	}}
	confOpts := osbuild.NewContainerStorageOptions("/etc/containers/storage.conf", rootfs.NestedImageStores(nested)...)
	confOpts.Comment = rootfs.NestedImageComments(nested)
	conf := osbuild.NewContainersStorageConfStage(confOpts)
	return []any{skopeo, conf}
}

// nestedQMStageError: the org.osbuild.qm stage writes QM's storage.conf in
// the os pipeline, after qm_rootfs; it does not take nested images.
var nestedQMStageError = &rpmspec.InputError{Field: rootfs.FieldNestedImages, Msg: "nested images are baked by osbuild's skopeo stage in qm_rootfs, which --qm-stage manifests do not have yet; leave out --qm-stage"}
