package stages

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/stages/check"
	"github.com/qm-build/qm-build/stages/check/target"
	"github.com/qm-build/qm-build/test/verifiers"
)

// TestNestedImagesInPodman bakes two images, each from another form, one
// of three layers, and asks the real podman, configured as QM's podman is
// (the storage.conf qm-build wrote for QM: its graph driver, the store as an
// additional image store, an empty graph root), what it sees: each image
// under its name with the pinned digest and ID and the configuration of the
// layout it came from, and a container made from the three-layer image
// mounts with every layer's files (the overlay store's links and lower
// files fit). Podman leaves the store as it was. The same images written
// with the vfs driver, as qm-build wrote them before, are invisible to that
// podman: the defect the oracle catches. The nested quadlets name the images
// by digest, and a second run gives the same bytes.
func TestNestedImagesInPodman(t *testing.T) {
	verifiers.NeedRoot(t, "writing an overlay store and mounting its layers")
	podman := verifiers.Need(t, "podman")
	skopeo := verifiers.Need(t, "skopeo")
	kvmLayers := []map[string]string{{"etc/kvm": "kvm\n"}, {"etc/kvm.d/a.conf": "a\n"}, {"usr/share/kvm/b": "b\n"}}
	kvm := verifiers.OCIImageLayers(t, kvmLayers, []string{"/usr/bin/kvm"}, "latest")
	ros := verifiers.OCIImage(t, map[string]string{"etc/ros": "ros\n"}, []string{"/usr/bin/ros"}, "jazzy")
	o := rootfs.Options{Dropins: []string{"kvm", "ros2"}, NestedImages: map[string]string{
		"kvm":  "oci:" + kvm.Layout,
		"ros2": "oci-archive:" + ros.Convert(t, rootfs.TransportOCIArchive),
	}}
	dir := filepath.Join(t.TempDir(), "tree")
	b := writeTree(t, dir, o)
	require.Len(t, b.Plan.Nested, 2)
	baked := filepath.Join(dir, rootfs.NestedStore)
	conf, err := os.ReadFile(filepath.Join(dir, rootfs.NestedStorageConf))
	require.NoError(t, err)
	require.Contains(t, string(conf), `driver = "`+rootfs.NestedStoreDriver+`"`)
	require.Contains(t, string(conf), `additionalimagestores = ["/usr/share/containers/storage", "/var/lib/shared"]`)

	// The old store: the same images, written with vfs.
	vfs := filepath.Join(t.TempDir(), "vfs")
	for _, n := range b.Plan.Nested {
		dest := "containers-storage:[vfs@" + vfs + "+" + t.TempDir() + "]" + n.StoreName()
		r := verifiers.Run(t, skopeo, "copy", "--quiet", n.Source.String(), dest)
		require.Zero(t, r.Code, r.Stderr)
	}

	type listed struct{ Name, Digest, ID string }
	kvmName, rosName := "quay.io/qm-images/kvm:latest", "quay.io/fedora-sig-robotics/ros2:jazzy-cs9"
	images := map[string]verifiers.TestImage{kvmName: kvm, rosName: ros}
	for _, tc := range []struct {
		name  string
		store string
		want  []listed
	}{
		// Podman opens the store read-only and leaves it as it was.
		{"the store qm-build bakes", baked, []listed{
			{rosName, ros.Digest, strings.TrimPrefix(ros.ID, "sha256:")},
			{kvmName, kvm.Digest, strings.TrimPrefix(kvm.ID, "sha256:")},
		}},
		// Not one image: podman reads the store's overlay-images, and
		// creates an empty one (on QM's read-only rootfs it could not).
		{"the same images in a vfs store", vfs, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := snapshot(t, tc.store)
			pod := qmPodman(t, podman, conf, tc.store)
			var got []listed
			var list []struct {
				Names  []string
				Digest string
				ID     string `json:"Id"`
			}
			require.NoError(t, json.Unmarshal([]byte(pod("images", "--digests", "--format", "json")), &list))
			for _, l := range list {
				for _, n := range l.Names {
					got = append(got, listed{n, l.Digest, l.ID})
				}
			}
			slices.SortFunc(got, func(a, b listed) int { return strings.Compare(a.Name, b.Name) })
			slices.SortFunc(tc.want, func(a, b listed) int { return strings.Compare(a.Name, b.Name) })
			require.Equal(t, tc.want, got)

			for _, w := range tc.want {
				img := images[w.Name]
				var inspect []struct {
					Digest string
					Config struct{ Cmd []string }
					Labels map[string]string
				}
				require.NoError(t, json.Unmarshal([]byte(pod("image", "inspect", w.Name)), &inspect))
				require.Len(t, inspect, 1)
				require.Equal(t, img.Digest, inspect[0].Digest)
				require.Equal(t, img.Config.Config.Cmd, inspect[0].Config.Cmd)
				require.Equal(t, img.Config.Config.Labels, inspect[0].Labels)
			}
			if len(tc.want) > 0 {
				// A container on the three-layer image: podman mounts its
				// layers through the store's l/ links and lower files.
				id := strings.TrimSpace(pod("create", kvmName))
				t.Cleanup(func() { pod("rm", "--force", id) })
				merged := strings.TrimSpace(pod("mount", id))
				for _, layer := range kvmLayers {
					for name, body := range layer {
						data, err := os.ReadFile(filepath.Join(merged, name))
						require.NoError(t, err, "the mounted container shows %s", name)
						require.Equal(t, body, string(data))
					}
				}
				pod("umount", id)
			}
			if len(tc.want) > 0 {
				require.Equal(t, before, snapshot(t, tc.store), "podman opens an additional image store read-only")
			}
		})
	}

	for key, img := range map[string]verifiers.TestImage{"kvm": kvm, "ros2": ros} {
		unit, err := os.ReadFile(filepath.Join(dir, "etc/qm/containers/systemd", map[string]string{"kvm": "kvm.container", "ros2": "ros2.container"}[key]))
		require.NoError(t, err)
		require.Contains(t, string(unit), "@"+img.Digest+"\n", "the quadlet pins the image")
	}

	again := filepath.Join(t.TempDir(), "tree")
	writeTree(t, again, o)
	require.Equal(t, snapshot(t, baked), snapshot(t, filepath.Join(again, rootfs.NestedStore)), "reproducible")
}

// qmPodman runs podman with QM's storage.conf (conf, as qm-build wrote it),
// its graph root and run root moved to empty temporary directories and its
// additional image stores replaced by store: the shared store QM lists too
// is empty in a built tree.
func qmPodman(t *testing.T, podman string, conf []byte, store string) func(args ...string) string {
	t.Helper()
	var c map[string]any
	_, err := toml.Decode(string(conf), &c)
	require.NoError(t, err)
	st := c["storage"].(map[string]any)
	// Podman refuses a run root longer than 50 characters.
	tmp, err := os.MkdirTemp("", "qmpod")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(tmp) })
	st["graphroot"], st["runroot"] = filepath.Join(tmp, "graph"), filepath.Join(tmp, "run")
	st["options"].(map[string]any)["additionalimagestores"] = []string{store}
	var buf bytes.Buffer
	require.NoError(t, toml.NewEncoder(&buf).Encode(c))
	file := filepath.Join(tmp, "storage.conf")
	require.NoError(t, os.WriteFile(file, buf.Bytes(), 0o644))
	cmd := verifiers.Cmd{Env: []string{"CONTAINERS_STORAGE_CONF=" + file}}
	global := []string{"--tmpdir", filepath.Join(tmp, "libpod"), "--cgroup-manager", "cgroupfs", "--events-backend", "none"}
	return func(args ...string) string {
		t.Helper()
		r := cmd.Run(t, podman, append(append([]string{}, global...), args...)...)
		require.Zero(t, r.Code, r.Stderr)
		return r.Stdout
	}
}

// TestNestedImagesChecked: the tree a build with nested images writes
// passes check; an unpinned quadlet (QM121), an image missing from the
// stores (QM122), an image only in a store of another graph driver than
// QM's storage.conf sets (QM123) and a store others may write (QM408) are
// each found.
func TestNestedImagesChecked(t *testing.T) {
	verifiers.NeedRoot(t, "writing an overlay store")
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
			p := filepath.Join(dir, rootfs.NestedStore, rootfs.NestedStoreDriver+"-images", "images.json")
			require.NoError(t, os.WriteFile(p, []byte("[]"), 0o600))
		}, []string{"QM122"}},
		{"the store's images written for another driver", func(t *testing.T, dir string) {
			store := filepath.Join(dir, rootfs.NestedStore)
			require.NoError(t, os.Rename(filepath.Join(store, rootfs.NestedStoreDriver+"-images"), filepath.Join(store, "vfs-images")))
		}, []string{"QM123"}},
		{"store labelled for the host's containers", func(t *testing.T, dir string) {
			fc := filepath.Join(dir, "etc/selinux/targeted/contexts/files/file_contexts")
			require.NoError(t, os.MkdirAll(filepath.Dir(fc), 0o755))
			line := rootfs.NestedStore + "(/.*)?\tsystem_u:object_r:container_ro_file_t:s0\n"
			require.NoError(t, os.WriteFile(fc, []byte(line), 0o644))
		}, []string{"QM408"}},
		{"store writable by its group", func(t *testing.T, dir string) {
			require.NoError(t, os.Chmod(filepath.Join(dir, rootfs.NestedStore, rootfs.NestedStoreDriver+"-images"), 0o770))
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

// TestNestedImagesNeedRoot: a process that is not root cannot write an
// overlay store; the stage says what it needs, falls back to no other
// driver, and the tree gets nothing.
func TestNestedImagesNeedRoot(t *testing.T) {
	verifiers.Need(t, "skopeo")
	kvm := verifiers.OCIImage(t, map[string]string{"etc/kvm": "kvm\n"}, nil, "latest")
	o := rootfs.Options{Dropins: []string{"kvm"}, NestedImages: map[string]string{"kvm": "oci:" + kvm.Layout}}
	old := geteuid
	t.Cleanup(func() { geteuid = old })
	geteuid = func() int { return 1000 }
	dir := filepath.Join(t.TempDir(), "tree")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	_, err := RunRootfs(context.Background(), dir, testPlan(t, o), RootfsRun{})
	require.ErrorContains(t, err, "baking nested images: writing QM's image store with the overlay graph driver (the one QM's podman reads it with) needs root, as osbuild runs its stages; this process runs as user 1000")
	require.NoDirExists(t, filepath.Join(dir, rootfs.NestedStore))
}

// TestNormalizeOverlayLinks: two stores skopeo writes from the same image
// differ in their layers' short names; normalised, they are the same, each
// name derived from its layer's ID. A store whose links do not fit is
// refused, not half rewritten into one podman cannot mount.
func TestNormalizeOverlayLinks(t *testing.T) {
	verifiers.NeedRoot(t, "writing an overlay store")
	skopeo := verifiers.Need(t, "skopeo")
	img := verifiers.OCIImageLayers(t, []map[string]string{{"a": "a\n"}, {"b": "b\n"}, {"c": "c\n"}}, nil, "latest")
	write := func(t *testing.T) string {
		tmp := t.TempDir()
		store := filepath.Join(tmp, "store")
		n := rootfs.NestedImage{Source: rootfs.NestedSource{Transport: rootfs.TransportOCI, Path: img.Layout}, Name: "localhost/x", Tag: "latest"}
		require.NoError(t, WriteNestedStore(context.Background(), skopeo, store, filepath.Join(tmp, "run"), []rootfs.NestedImage{n}))
		return store
	}
	links := func(t *testing.T, store string) map[string]string {
		out := map[string]string{}
		for _, pat := range []string{"overlay/*/link", "overlay/*/lower"} {
			ms, err := filepath.Glob(filepath.Join(store, pat))
			require.NoError(t, err)
			for _, m := range ms {
				b, err := os.ReadFile(m)
				require.NoError(t, err)
				rel, _ := filepath.Rel(store, m)
				out[rel] = string(b)
			}
		}
		ls, err := os.ReadDir(filepath.Join(store, "overlay", "l"))
		require.NoError(t, err)
		for _, l := range ls {
			target, err := os.Readlink(filepath.Join(store, "overlay", "l", l.Name()))
			require.NoError(t, err)
			out["overlay/l/"+l.Name()] = target
		}
		return out
	}
	a, b := write(t), write(t)
	require.NotEqual(t, links(t, a), links(t, b), "containers/storage picks short names at random")
	require.NoError(t, NormalizeOverlayLinks(a))
	require.NoError(t, NormalizeOverlayLinks(b))
	got := links(t, a)
	require.Equal(t, got, links(t, b))
	require.Len(t, got, 3+2+3, "three layers: link files, two lower files, three links")
	for p, v := range got {
		if id, ok := strings.CutSuffix(strings.TrimPrefix(p, "overlay/"), "/link"); ok {
			require.Len(t, v, 26)
			require.Equal(t, "../"+id+"/diff", got["overlay/l/"+v])
		}
	}

	for _, tc := range []struct {
		name  string
		spoil func(t *testing.T, store string)
		want  string
	}{
		{"a lower entry naming no layer", func(t *testing.T, store string) {
			ms, _ := filepath.Glob(filepath.Join(store, "overlay/*/lower"))
			require.NotEmpty(t, ms)
			require.NoError(t, os.WriteFile(ms[0], []byte("l/AAAAAAAAAAAAAAAAAAAAAAAAAA"), 0o644))
		}, `lower entry "l/AAAAAAAAAAAAAAAAAAAAAAAAAA" names no layer of the store`},
		{"a link in l/ naming no layer", func(t *testing.T, store string) {
			require.NoError(t, os.Symlink("../nothing/diff", filepath.Join(store, "overlay/l/BBBBBBBBBBBBBBBBBBBBBBBBBB")))
		}, "l/BBBBBBBBBBBBBBBBBBBBBBBBBB names no layer"},
		{"a layer's link pointing elsewhere", func(t *testing.T, store string) {
			ms, _ := filepath.Glob(filepath.Join(store, "overlay/*/link"))
			name, err := os.ReadFile(ms[0])
			require.NoError(t, err)
			l := filepath.Join(store, "overlay/l", string(name))
			require.NoError(t, os.Remove(l))
			require.NoError(t, os.Symlink("../elsewhere/diff", l))
		}, "is not a link to"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := write(t)
			tc.spoil(t, store)
			require.ErrorContains(t, NormalizeOverlayLinks(store), tc.want)
		})
	}
	require.NoError(t, NormalizeOverlayLinks(t.TempDir()), "a store with no overlay/ is left alone")
}
