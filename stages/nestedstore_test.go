package stages

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/test/verifiers"
)

// TestNestedImagesInPodman bakes two images, each from another form, and
// asks the real podman what QM's store holds: each image under its name
// with the pinned digest, and the configuration of the layout it came from.
// The nested quadlets name the images by that digest, QM's storage.conf
// lists the store, and a second run gives the same bytes.
func TestNestedImagesInPodman(t *testing.T) {
	podman := verifiers.Need(t, "podman")
	kvm := verifiers.OCIImage(t, map[string]string{"etc/kvm": "kvm\n"}, []string{"/usr/bin/kvm"}, "latest")
	ros := verifiers.OCIImage(t, map[string]string{"etc/ros": "ros\n"}, []string{"/usr/bin/ros"}, "jazzy")
	o := rootfs.Options{Dropins: []string{"kvm", "ros2"}, NestedImages: map[string]string{
		"kvm":  "oci:" + kvm.Layout,
		"ros2": "oci-archive:" + ros.Convert(t, rootfs.TransportOCIArchive),
	}}
	dir := filepath.Join(t.TempDir(), "tree")
	b := writeTree(t, dir, o)
	require.Len(t, b.Plan.Nested, 2)

	// Podman writes into a store it opens; read a copy.
	store := filepath.Join(t.TempDir(), "store")
	require.NoError(t, os.CopyFS(store, os.DirFS(filepath.Join(dir, rootfs.NestedStore))))
	runRoot := t.TempDir()
	pod := func(args ...string) string {
		t.Helper()
		r := verifiers.Run(t, podman, append([]string{"--root", store, "--runroot", runRoot, "--storage-driver", rootfs.NestedStoreDriver}, args...)...)
		require.Zero(t, r.Code, r.Stderr)
		return r.Stdout
	}
	listed := pod("images", "--digests", "--format", "{{.Repository}}:{{.Tag}} {{.Digest}} {{.ID}}")
	want := map[string]verifiers.TestImage{"quay.io/qm-images/kvm:latest": kvm, "quay.io/fedora-sig-robotics/ros2:jazzy-cs9": ros}
	for name, img := range want {
		require.Contains(t, listed, name+" "+img.Digest+" "+strings.TrimPrefix(img.ID, "sha256:")[:12], listed)
		var inspect []struct {
			Digest string
			Config struct{ Cmd []string }
			Labels map[string]string
		}
		require.NoError(t, json.Unmarshal([]byte(pod("image", "inspect", name)), &inspect))
		require.Len(t, inspect, 1)
		require.Equal(t, img.Digest, inspect[0].Digest)
		require.Equal(t, img.Config.Config.Cmd, inspect[0].Config.Cmd)
		require.Equal(t, img.Config.Config.Labels, inspect[0].Labels)
	}

	for key, img := range map[string]verifiers.TestImage{"kvm": kvm, "ros2": ros} {
		unit, err := os.ReadFile(filepath.Join(dir, "etc/qm/containers/systemd", map[string]string{"kvm": "kvm.container", "ros2": "ros2.container"}[key]))
		require.NoError(t, err)
		require.Contains(t, string(unit), "@"+img.Digest+"\n", "the quadlet pins the image")
	}
	conf, err := os.ReadFile(filepath.Join(dir, rootfs.NestedStorageConf))
	require.NoError(t, err)
	require.Contains(t, string(conf), `additionalimagestores = ["/usr/share/containers/storage", "/var/lib/shared"]`)

	again := filepath.Join(t.TempDir(), "tree")
	writeTree(t, again, o)
	require.Equal(t, snapshot(t, filepath.Join(dir, rootfs.NestedStore)), snapshot(t, filepath.Join(again, rootfs.NestedStore)), "reproducible")
}
