package stages

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/stages/check"
	"github.com/qm-build/qm-build/stages/check/target"
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

// TestNestedImagesChecked: the tree a build with nested images writes
// passes check; an unpinned quadlet (QM121), an image missing from the
// stores (QM122) and a store others may write (QM408) are each found.
func TestNestedImagesChecked(t *testing.T) {
	kvm := verifiers.OCIImage(t, map[string]string{"etc/kvm": "kvm\n"}, nil, "latest")
	o := rootfs.Options{Dropins: []string{"kvm"}, NestedImages: map[string]string{"kvm": "oci:" + kvm.Layout}}
	unit := "etc/qm/containers/systemd/kvm.container"
	for _, tc := range []struct {
		name  string
		spoil func(t *testing.T, dir string)
		want  []string
	}{
		{"as built", func(*testing.T, string) {}, nil},
		{"unpinned", func(t *testing.T, dir string) {
			p := filepath.Join(dir, unit)
			data, err := os.ReadFile(p)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(p, []byte(strings.ReplaceAll(string(data), "@"+kvm.Digest, ":latest")), 0o644))
		}, []string{"QM121"}},
		{"missing from the store", func(t *testing.T, dir string) {
			p := filepath.Join(dir, rootfs.NestedStore, "vfs-images", "images.json")
			require.NoError(t, os.WriteFile(p, []byte("[]"), 0o600))
		}, []string{"QM122"}},
		{"store labelled for the host's containers", func(t *testing.T, dir string) {
			fc := filepath.Join(dir, "etc/selinux/targeted/contexts/files/file_contexts")
			require.NoError(t, os.MkdirAll(filepath.Dir(fc), 0o755))
			line := rootfs.NestedStore + "(/.*)?\tsystem_u:object_r:container_ro_file_t:s0\n"
			require.NoError(t, os.WriteFile(fc, []byte(line), 0o644))
		}, []string{"QM408"}},
		{"store writable by its group", func(t *testing.T, dir string) {
			require.NoError(t, os.Chmod(filepath.Join(dir, rootfs.NestedStore, "vfs-images"), 0o770))
		}, []string{"QM408"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "tree")
			writeTree(t, dir, o)
			tc.spoil(t, dir)
			require.Equal(t, tc.want, checkRuleIDs(t, dir))
		})
	}
}

// checkRuleIDs runs check on a tree and lists the rules that found
// something.
func checkRuleIDs(t *testing.T, dir string) []string {
	t.Helper()
	tg, err := target.Open(dir, target.Options{})
	require.NoError(t, err)
	defer tg.Close()
	r, err := check.Run(context.Background(), tg, check.Options{RootUID: os.Geteuid(), RootGID: os.Getegid()})
	require.NoError(t, err)
	return r.RuleIDs()
}
