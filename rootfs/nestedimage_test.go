package rootfs

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/test/verifiers"
)

func TestParseNestedSource(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want NestedSource
		err  string
	}{
		{"oci:/x/layout", NestedSource{TransportOCI, "/x/layout", ""}, ""},
		{"oci:/x/layout:v1", NestedSource{TransportOCI, "/x/layout", "v1"}, ""},
		{"oci-archive:img.tar", NestedSource{TransportOCIArchive, "img.tar", ""}, ""},
		{"oci-archive:img.tar:latest", NestedSource{TransportOCIArchive, "img.tar", "latest"}, ""},
		{"docker-archive:img.tar", NestedSource{TransportDockerArchive, "img.tar", ""}, ""},
		{"docker-archive:img.tar:latest", NestedSource{}, "without a colon"},
		{"docker://quay.io/a/b:1", NestedSource{}, `unknown transport "docker"`},
		{"/x/layout", NestedSource{}, "not TRANSPORT:PATH"},
		{"oci:", NestedSource{}, "not TRANSPORT:PATH"},
		{"oci:/x:", NestedSource{}, "empty tag"},
		{"oci::v1", NestedSource{}, "empty path"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseNestedSource(tc.in)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
			require.Equal(t, tc.in, got.String())
		})
	}
}

// TestResolveNested resolves one image in each form against what built it
// (go-containerregistry's digests) and what reads it (skopeo inspect --raw:
// the manifest containers/image copies, for a docker archive the one it
// makes).
func TestResolveNested(t *testing.T) {
	skopeo := verifiers.Need(t, "skopeo")
	img := verifiers.OCIImage(t, map[string]string{"etc/hello": "hello\n"}, []string{"/bin/true"}, "v1")
	for _, tc := range []struct {
		name string
		src  NestedSource
	}{
		{"oci layout", NestedSource{TransportOCI, img.Layout, ""}},
		{"oci layout by tag", NestedSource{TransportOCI, img.Layout, "v1"}},
		{"oci archive", NestedSource{TransportOCIArchive, img.Convert(t, TransportOCIArchive), ""}},
		{"docker archive", NestedSource{TransportDockerArchive, img.Convert(t, TransportDockerArchive), ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := ResolveNested(tc.src)
			require.NoError(t, err)
			require.Equal(t, img.ID, n.ID, "the configuration is copied as it is")
			raw := verifiers.Run(t, skopeo, "inspect", "--raw", tc.src.String())
			require.Zero(t, raw.Code, raw.Stderr)
			sum := sha256.Sum256([]byte(raw.Stdout))
			require.Equal(t, "sha256:"+hex.EncodeToString(sum[:]), n.Digest, "skopeo's manifest")
			require.Equal(t, raw.Stdout, string(n.Manifest))
			if tc.src.Transport != TransportDockerArchive {
				require.Equal(t, img.Digest, n.Digest)
			}
		})
	}
}

func TestResolveNestedRefused(t *testing.T) {
	img := verifiers.OCIImage(t, map[string]string{"a": "a"}, nil, "v1")
	corrupt := verifiers.OCIImage(t, map[string]string{"b": "b"}, nil, "v1")
	hexd := strings.TrimPrefix(corrupt.ID, "sha256:")
	require.NoError(t, os.WriteFile(filepath.Join(corrupt.Layout, "blobs", "sha256", hexd), []byte("{}"), 0o644))
	for _, tc := range []struct {
		name string
		src  NestedSource
		err  string
	}{
		{"no such tag", NestedSource{TransportOCI, img.Layout, "v2"}, `no image tagged "v2"`},
		{"no layout", NestedSource{TransportOCI, t.TempDir(), ""}, "index.json"},
		{"a blob that does not match", NestedSource{TransportOCI, corrupt.Layout, ""}, "has digest"},
		{"not an archive", NestedSource{TransportOCIArchive, filepath.Join(img.Layout, "index.json"), ""}, "reading"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ResolveNested(tc.src)
			require.ErrorContains(t, err, tc.err)
		})
	}
}

// TestNewPlanPinsNestedImages: the key's image is pinned to the digest, the
// tag kept as the store's name; bad sources are bad input naming the option.
func TestNewPlanPinsNestedImages(t *testing.T) {
	cat, err := rpmspec.Builtin()
	require.NoError(t, err)
	img := verifiers.OCIImage(t, map[string]string{"a": "a"}, nil, "v1")
	images := map[string]string{"ros2": "quay.io/example/ros2:jazzy"}
	p, err := NewPlan(Options{Dropins: []string{"kvm", "ros2"}, Images: images, NestedImages: map[string]string{
		"kvm":  "oci:" + img.Layout,
		"ros2": "oci:" + img.Layout + ":v1",
	}}, cat)
	require.NoError(t, err)
	require.Equal(t, "quay.io/qm-images/kvm@"+img.Digest, p.Images["kvm"])
	require.Equal(t, "quay.io/example/ros2@"+img.Digest, p.Images["ros2"])
	require.Equal(t, map[string]string{"ros2": "quay.io/example/ros2:jazzy"}, images, "the caller's map is left alone")
	require.Len(t, p.Nested, 2)
	require.Equal(t, "quay.io/qm-images/kvm:latest", p.Nested[0].StoreName())
	require.Equal(t, "quay.io/example/ros2:jazzy", p.Nested[1].StoreName())

	_, err = NewPlan(Options{NestedImages: map[string]string{"nope": "oci:" + img.Layout, "kvm": "oci:/does/not/exist"}}, cat)
	require.True(t, rpmspec.IsBadInput(err))
	require.ErrorContains(t, err, `nested_images.nope: unknown image key "nope"`)
	require.ErrorContains(t, err, "nested_images.kvm: reading oci:/does/not/exist")
}

func FuzzParseNestedSource(f *testing.F) {
	for _, s := range []string{"oci:/x", "oci:/x:t", "oci-archive:a.tar", "docker-archive:a.tar", "x:y:z", ":"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		src, err := ParseNestedSource(s)
		if err != nil {
			return
		}
		back, err := ParseNestedSource(src.String())
		require.NoError(t, err)
		require.Equal(t, src, back)
	})
}

// TestNestedImagesFromDeclaration: a user drop-in declares nested-images
// relative to its file; the option wins for its key; mistakes name the
// declaration's file and line.
func TestNestedImagesFromDeclaration(t *testing.T) {
	img := verifiers.OCIImage(t, map[string]string{"a": "a"}, nil, "v1")
	other := verifiers.OCIImage(t, map[string]string{"b": "b"}, nil, "v1")
	dir := t.TempDir()
	require.NoError(t, os.Rename(img.Layout, filepath.Join(dir, "layout")))
	decl := `name: camera
summary: a camera service
description: A nested camera service.
images:
  camera: quay.io/example/camera:1
  unknown: quay.io/example/unknown:1
nested-images:
  camera: oci:layout:v1
files:
  - path: /etc/qm/containers/systemd/camera.container
    mode: "0644"
    template: |
      [Container]
      Image={{ image "camera" }}
`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "camera.yaml"), []byte(decl), 0o644))
	plan := func(o Options) (*Plan, error) {
		cat, err := rpmspec.Builtin()
		require.NoError(t, err)
		names, err := cat.AddDir(os.DirFS(dir), dir)
		require.NoError(t, err)
		o.Dropins = names
		return NewPlan(o, cat)
	}
	p, err := plan(Options{})
	require.NoError(t, err)
	require.Equal(t, "quay.io/example/camera@"+img.Digest, p.Images["camera"])
	require.Equal(t, filepath.Join(dir, "layout"), p.Nested[0].Source.Path)

	p, err = plan(Options{NestedImages: map[string]string{"camera": "oci:" + other.Layout}})
	require.NoError(t, err)
	require.Equal(t, "quay.io/example/camera@"+other.Digest, p.Images["camera"], "the option wins")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "camera.yaml"), []byte(strings.Replace(decl, "camera: oci:layout:v1", "unknown: oci:layout:v2", 1)), 0o644))
	_, err = plan(Options{})
	require.True(t, rpmspec.IsBadInput(err))
	require.ErrorContains(t, err, filepath.Join(dir, "camera.yaml")+":8: nested-images.unknown: reading oci:"+filepath.Join(dir, "layout")+":v2")
}

// FuzzResolveNestedLayout: whatever index.json and manifest an OCI layout
// holds, resolving it returns an error or a digest of bytes it checked.
func FuzzResolveNestedLayout(f *testing.F) {
	f.Add([]byte(`{"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:00","size":2}]}`), []byte(`{}`))
	f.Add([]byte(`{"manifests":[]}`), []byte(`{"config":{"digest":"sha256:x"}}`))
	f.Add([]byte(`[]`), []byte(``))
	f.Fuzz(func(t *testing.T, index, manifest []byte) {
		dir := t.TempDir()
		blobs := filepath.Join(dir, "blobs", "sha256")
		require.NoError(t, os.MkdirAll(blobs, 0o755))
		d := SHA256Digest(manifest)
		require.NoError(t, os.WriteFile(filepath.Join(blobs, strings.TrimPrefix(d, "sha256:")), manifest, 0o644))
		idx := strings.ReplaceAll(string(index), "sha256:00", d)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "index.json"), []byte(idx), 0o644))
		n, err := ResolveNested(NestedSource{Transport: TransportOCI, Path: dir})
		if err != nil {
			return
		}
		require.Equal(t, d, n.Digest)
		require.Equal(t, manifest, n.Manifest)
	})
}
