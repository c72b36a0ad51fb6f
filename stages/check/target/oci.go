package target

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// layoutFiles reads the files of an OCI image layout (image-spec
// image-layout.md), wherever they are: a directory (oci:) or a tar archive
// (oci-archive:).
type layoutFiles interface {
	// file opens a regular file of the layout by its relative name.
	file(name string) (io.ReadCloser, error)
}

// layoutDir is an OCI layout directory, read through os.Root: no name, and
// no symbolic link in it, leads outside.
type layoutDir struct{ root *os.Root }

func (d layoutDir) file(name string) (io.ReadCloser, error) { return openRegularIn(d.root, name) }

// layoutArchive is an OCI layout in a tar file, read in place.
type layoutArchive struct{ a *archive }

func (l layoutArchive) file(name string) (io.ReadCloser, error) {
	sr, err := l.a.open(name)
	if err != nil {
		return nil, err
	}
	return io.NopCloser(sr), nil
}

func blobPath(d digest) string { return "blobs/" + d.alg + "/" + d.hex }

// readLayout reads an OCI layout: oci-layout, index.json, then the image
// that ref (the ref.name annotation) or arch selects, every blob verified
// against its descriptor's digest and size before it is parsed.
func readLayout(ctx context.Context, files layoutFiles, ref, arch string, lim Limits) (*imageSpec, error) {
	if err := checkLayoutVersion(files, lim); err != nil {
		return nil, err
	}
	data, err := readLayoutFile(files, "index.json", lim)
	if err != nil {
		return nil, err
	}
	refs, err := parseIndex(data)
	if err != nil {
		return nil, fmt.Errorf("index.json: %w", err)
	}
	m, err := selectManifest(ctx, files, refs, ref, arch, lim, 0)
	if err != nil {
		return nil, err
	}
	data, err = readBlob(files, m, "the manifest", lim)
	if err != nil {
		return nil, err
	}
	cfgRef, layers, err := parseManifest(data, m.mediaType)
	if err != nil {
		return nil, fmt.Errorf("manifest %s: %w", m.digest.short(), err)
	}
	if len(layers) > lim.MaxLayers {
		return nil, &LimitError{Limit: "MaxLayers", Value: int64(lim.MaxLayers), What: fmt.Sprintf("an image of %d layers", len(layers))}
	}
	data, err = readBlob(files, cfgRef, "the image config", lim)
	if err != nil {
		return nil, err
	}
	cfg, diffIDs, err := parseConfig(data, len(layers))
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", cfgRef.digest.short(), err)
	}
	img := &imageSpec{arch: NormalizeArch(cfg.Architecture), labels: cfg.Config.Labels, digest: m.digest.String()}
	for i, b := range layers {
		comp, _ := layerCompression(b.mediaType)
		img.layers = append(img.layers, layerSource{
			name:   fmt.Sprintf("layer %d of %d (%s)", i+1, len(layers), b.digest.short()),
			open:   func() (io.ReadCloser, error) { return files.file(blobPath(b.digest)) },
			digest: b.digest, size: b.size, diffID: diffIDs[i], comp: comp,
		})
		img.blobBytes += b.size
	}
	return img, nil
}

// checkLayoutVersion reads the oci-layout file, which marks a directory as an
// OCI layout and says which version.
func checkLayoutVersion(files layoutFiles, lim Limits) error {
	data, err := readLayoutFile(files, "oci-layout", lim)
	if err != nil {
		return err
	}
	var v struct {
		Version string `json:"imageLayoutVersion"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return fmt.Errorf("oci-layout: %w", err)
	}
	if v.Version != "1.0.0" {
		return fmt.Errorf("oci-layout: imageLayoutVersion %q, want \"1.0.0\"", v.Version)
	}
	return nil
}

// readLayoutFile reads a small file of the layout that no digest names
// (oci-layout, index.json): the root of trust is what the user gave.
func readLayoutFile(files layoutFiles, name string, lim Limits) ([]byte, error) {
	f, err := files.file(name)
	if err != nil {
		return nil, fmt.Errorf("reading the OCI layout's %s: %w", name, err)
	}
	defer f.Close()
	return readVerified(f, digest{}, -1, lim.MaxJSON, name)
}

// readBlob reads a small blob (manifest, index, config) and verifies it.
func readBlob(files layoutFiles, b blobRef, what string, lim Limits) ([]byte, error) {
	name := fmt.Sprintf("%s %s", what, b.digest.short())
	f, err := files.file(blobPath(b.digest))
	if err != nil {
		return nil, &BlobError{Blob: name, Err: err}
	}
	defer f.Close()
	return readVerified(f, b.digest, b.size, lim.MaxJSON, name)
}

// maxIndexDepth bounds nested indexes.
const maxIndexDepth = 4

// selectManifest picks the image manifest: the one whose ref.name is ref,
// else the only image, else the one for arch; a nested index is read
// (verified) and searched in turn.
func selectManifest(ctx context.Context, files layoutFiles, refs []blobRef, ref, arch string, lim Limits, depth int) (blobRef, error) {
	if depth > maxIndexDepth {
		return blobRef{}, errors.New("image indexes nested too deeply")
	}
	if err := ctx.Err(); err != nil {
		return blobRef{}, err
	}
	var cands []blobRef
	for _, b := range refs {
		if ref != "" && b.ref != ref {
			continue
		}
		if isIndex(b.mediaType) || isManifest(b.mediaType) {
			cands = append(cands, b)
		}
	}
	if len(cands) == 0 {
		if ref != "" {
			return blobRef{}, fmt.Errorf("no image named %q in the index (annotation %s)", ref, refAnnotation)
		}
		return blobRef{}, errors.New("the index lists no image")
	}
	if len(cands) > 1 && arch != "" {
		var same []blobRef
		for _, b := range cands {
			if b.arch == arch {
				same = append(same, b)
			}
		}
		if len(same) > 0 {
			cands = same
		}
	}
	if len(cands) > 1 {
		var names []string
		for _, b := range cands {
			names = append(names, b.ref+"@"+b.digest.short())
		}
		return blobRef{}, fmt.Errorf("the index lists %d images (%s); name one as oci:DIR:REF or pick one with --arch", len(cands), strings.Join(names, ", "))
	}
	b := cands[0]
	if isManifest(b.mediaType) {
		return b, nil
	}
	data, err := readBlob(files, b, "the nested index", lim)
	if err != nil {
		return blobRef{}, err
	}
	sub, err := parseIndex(data)
	if err != nil {
		return blobRef{}, fmt.Errorf("nested index %s: %w", b.digest.short(), err)
	}
	return selectManifest(ctx, files, sub, "", arch, lim, depth+1)
}

// NormalizeArch maps OCI/Go architecture names to the RPM names qm-build uses.
func NormalizeArch(a string) string {
	switch a {
	case "amd64", "x86_64", "x86-64":
		return "x86_64"
	case "arm64", "aarch64":
		return "aarch64"
	}
	return a
}
