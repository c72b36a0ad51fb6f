package rootfs

import (
	"fmt"

	"github.com/qm-build/qm-build/rpmspec"
)

// Configuration of the podman nested in QM (qm-upstream.md §4). Inside QM,
// /etc is the host's /etc/qm, so QM's /etc/containers/containers.conf is the
// host's /etc/qm/containers/containers.conf.

// Paths as on the image.
const (
	NestedConfDir        = rpmspec.QMEtc + "/containers"
	NestedContainersConf = NestedConfDir + "/containers.conf"
	NestedStorageConf    = NestedConfDir + "/storage.conf"
	// SharedContainersConf is the qm package's copy of containers.conf, as
	// upstream ships it (/usr/share/qm/containers.conf).
	SharedContainersConf = rpmspec.QMShare + "/containers.conf"
	// NestedContextsPath is podman's SELinux contexts file inside QM's rootfs.
	NestedContextsPath = rpmspec.QMRootfs + "/usr/share/containers/selinux/contexts"
	// NestedFileContextsPath is QM's own file_contexts (QM's
	// /etc/selinux/targeted/contexts/files/file_contexts).
	NestedFileContextsPath = rpmspec.QMEtc + "/selinux/targeted/contexts/files/file_contexts"
	// SharedImageStore is the nested podman's read-only additional image
	// store, as QM sees it (/var/lib/shared); on the host /var/qm/lib/shared.
	SharedImageStore = "/var/lib/shared"
	// ImagesTmpDir is where the nested podman stages image pulls (QM's
	// /var/tmp.images, on disk rather than a tmpfs; containers/qm #439, #723).
	ImagesTmpDir = "/var/tmp.images"
)

// Sub-ID ranges (subuid(5), subgid(5)) as upstream QM's setup writes them:
// inside QM the "containers" user gets the range podman's auto user
// namespaces use; on the host, QM's range is reserved as "qmcontainers" and
// the host's own "containers" range starts after it, so the two never
// overlap.
const (
	QMSubIDs   = "containers:1000000000:1500000000\n"
	HostSubIDs = "qmcontainers:1000000000:1500000000\ncontainers:2500000000:1500000000\n"
)

// containersConf is containers.conf(5) for the podman nested in QM.
type containersConf struct {
	Containers struct {
		// Nested containers get no extra ulimits or sysctls from podman's
		// defaults; QM's own limits apply.
		DefaultUlimits []string `toml:"default_ulimits"`
		DefaultSysctls []string `toml:"default_sysctls"`
		// An OOM kill takes the whole nested container (cgroup v2
		// memory.oom.group), and nested containers die before QM itself
		// (750 > QM's OOMScoreAdjust=500).
		CgroupConf  []string `toml:"cgroup_conf"`
		Netns       string   `toml:"netns"`
		OOMScoreAdj int      `toml:"oom_score_adj"`
	} `toml:"containers"`
	Engine struct {
		// TMPDIR puts image pulls on disk (containers.conf(5) [engine] env).
		Env []string `toml:"env"`
	} `toml:"engine"`
	Network struct {
		// A private range for nested container networks.
		DefaultSubnet string `toml:"default_subnet"`
	} `toml:"network"`
}

// NestedContainersConfBody renders QM's containers.conf.
func NestedContainersConfBody() []byte {
	var c containersConf
	c.Containers.DefaultUlimits = []string{}
	c.Containers.DefaultSysctls = []string{}
	c.Containers.CgroupConf = []string{"memory.oom.group=1"}
	c.Containers.Netns = "host"
	c.Containers.OOMScoreAdj = 750
	c.Engine.Env = []string{"TMPDIR=" + ImagesTmpDir}
	c.Network.DefaultSubnet = "10.89.0.0/16"
	return tomlFile("Podman inside QM (containers.conf(5)), written by qm-build. Inside QM this is /etc/containers/containers.conf.", c)
}

// storageConf is containers-storage.conf(5) for the podman nested in QM. It
// replaces the rootfs's storage.conf as a whole (containers/storage reads the
// first storage.conf it finds), so it names the driver and roots too.
type storageConf struct {
	Storage struct {
		Driver    string `toml:"driver"`
		RunRoot   string `toml:"runroot"`
		GraphRoot string `toml:"graphroot"`
		// Container state lives in memory, so a power cut never leaves
		// nested containers half-registered (containers/qm #422).
		TransientStore bool `toml:"transient_store"`
		Options        struct {
			// Images shipped with the image, read-only, at /var/lib/shared.
			AdditionalImageStores []string `toml:"additionalimagestores"`
		} `toml:"options"`
	} `toml:"storage"`
}

// NestedStorageConfBody renders QM's storage.conf with no baked images.
func NestedStorageConfBody() []byte { return NestedStorageConfFor(nil) }

// NestedStorageConfFor renders QM's storage.conf. With nested images baked
// in, their store, in QM's read-only rootfs (NestedStoreInQM), is an
// additional image store too, listed first, and the header names each
// image by digest (NestedImageComments), so that the file the build, the
// manifest and the blueprint fragment deliver says what the store holds.
func NestedStorageConfFor(nested []NestedImage) []byte {
	var s storageConf
	s.Storage.Driver = NestedStoreDriver
	s.Storage.RunRoot = "/run/containers/storage"
	s.Storage.GraphRoot = "/var/lib/containers/storage"
	s.Storage.TransientStore = true
	s.Storage.Options.AdditionalImageStores = NestedImageStores(nested)
	comment := "Container storage inside QM (containers-storage.conf(5)), written by qm-build. Inside QM this is /etc/containers/storage.conf."
	for _, c := range NestedImageComments(nested) {
		comment += "\n# " + c
	}
	return tomlFile(comment, s)
}

// NestedImageStores are QM's additional image stores: the store of baked
// images when there are any, then the shared store.
func NestedImageStores(nested []NestedImage) []string {
	if len(nested) > 0 {
		return []string{NestedStoreInQM, SharedImageStore}
	}
	return []string{SharedImageStore}
}

// NestedImageComments say what the store of baked images holds, one line an
// image: "KEY: NAME@DIGEST (image ID ID) in STORE".
func NestedImageComments(nested []NestedImage) []string {
	var out []string
	for _, n := range nested {
		out = append(out, fmt.Sprintf("%s: %s (image ID %s) in %s", n.Key, n.Pinned(), n.ID, NestedStoreInQM))
	}
	return out
}
