package verifiers

import (
	"archive/tar"
	"bytes"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// TestImage is a small image built for a test.
type TestImage struct {
	Layout string // the OCI layout directory
	Tag    string // the image's tag in the layout (org.opencontainers.image.ref.name)
	Digest string // the manifest's digest
	ID     string // the configuration's digest (podman's image ID)
	Config *v1.ConfigFile
}

// OCIImage writes an OCI layout of one image with one layer holding files
// (path → content; regular files of root, mode 0644) and cmd as its command,
// tagged tag, built with go-containerregistry. Same inputs, same digest.
func OCIImage(t testing.TB, files map[string]string, cmd []string, tag string) TestImage {
	t.Helper()
	return OCIImageLayers(t, []map[string]string{files}, cmd, tag)
}

// OCIImageLayers is OCIImage with one layer for each map of files, the
// first at the bottom.
func OCIImageLayers(t testing.TB, layerFiles []map[string]string, cmd []string, tag string) TestImage {
	t.Helper()
	var layers []v1.Layer
	for _, files := range layerFiles {
		layers = append(layers, tarLayer(t, files))
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err := mutate.AppendLayers(img, layers...)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.Architecture, cf.OS = "amd64", "linux"
	cf.Config.Cmd = cmd
	cf.Config.Labels = map[string]string{"org.qm-build.test": tag}
	cf.Created = v1.Time{Time: time.Unix(1700000000, 0).UTC()}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "layout")
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": tag})); err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	id, err := img.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	return TestImage{Layout: dir, Tag: tag, Digest: d.String(), ID: id.String(), Config: cf}
}

// tarLayer is a layer of regular files of root, mode 0644.
func tarLayer(t testing.TB, files map[string]string) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		body := files[name]
		h := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg, ModTime: time.Unix(1700000000, 0)}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil },
		tarball.WithMediaType(types.OCILayer))
	if err != nil {
		t.Fatal(err)
	}
	return layer
}

// Convert copies the image to another form with skopeo (oci-archive:FILE or
// docker-archive:FILE) and returns that path.
func (i TestImage) Convert(t testing.TB, transport string) string {
	t.Helper()
	skopeo := Need(t, "skopeo")
	out := filepath.Join(t.TempDir(), transport+".tar")
	dest := transport + ":" + out
	if transport == "oci-archive" {
		dest += ":" + i.Tag
	}
	if r := Run(t, skopeo, "copy", "--quiet", "oci:"+i.Layout+":"+i.Tag, dest); r.Code != 0 {
		t.Fatalf("skopeo copy to %s: %s", transport, r.Stderr)
	}
	return out
}
