package target

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Media types (image-spec media-types.md, and Docker's registry v2 schema 2
// types, which OCI layouts made from Docker images still carry).
const (
	mediaOCIIndex      = "application/vnd.oci.image.index.v1+json"
	mediaOCIManifest   = "application/vnd.oci.image.manifest.v1+json"
	mediaOCIConfig     = "application/vnd.oci.image.config.v1+json"
	mediaDockerList    = "application/vnd.docker.distribution.manifest.list.v2+json"
	mediaDockerSchema2 = "application/vnd.docker.distribution.manifest.v2+json"
	mediaDockerConfig  = "application/vnd.docker.container.image.v1+json"
)

// refAnnotation names an image in an OCI layout's index (image-spec
// annotations.md); skopeo's oci:DIR:REF and umoci use it.
const refAnnotation = "org.opencontainers.image.ref.name"

// descriptor is an image-spec descriptor, as JSON has it.
type descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Platform    *struct {
		Architecture string `json:"architecture"`
		OS           string `json:"os"`
	} `json:"platform,omitempty"`
}

// blobRef is a validated descriptor: what to read and what it must be.
type blobRef struct {
	mediaType string
	digest    digest
	size      int64
	ref       string // the ref.name annotation
	arch      string // the platform's architecture
}

func (d descriptor) validate() (blobRef, error) {
	dg, err := parseDigest(d.Digest)
	if err != nil {
		return blobRef{}, err
	}
	if d.Size < 0 {
		return blobRef{}, fmt.Errorf("descriptor %s: negative size %d", d.Digest, d.Size)
	}
	b := blobRef{mediaType: d.MediaType, digest: dg, size: d.Size, ref: d.Annotations[refAnnotation]}
	if d.Platform != nil {
		b.arch = NormalizeArch(d.Platform.Architecture)
	}
	return b, nil
}

// ociIndex is an image index (index.json, or a nested index blob).
type ociIndex struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType"`
	Manifests     []descriptor `json:"manifests"`
}

// ociManifest is an image manifest.
type ociManifest struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType"`
	Config        descriptor   `json:"config"`
	Layers        []descriptor `json:"layers"`
}

// imageConfig is the part of an image configuration the checker reads.
type imageConfig struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
	Config       struct {
		Labels map[string]string `json:"Labels"`
	} `json:"config"`
	RootFS struct {
		Type    string   `json:"type"`
		DiffIDs []string `json:"diff_ids"`
	} `json:"rootfs"`
}

// decodeJSON decodes one JSON value and nothing after it.
func decodeJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("data after the JSON value")
	}
	return nil
}

// parseIndex parses an image index and validates every descriptor it lists.
func parseIndex(data []byte) ([]blobRef, error) {
	var idx ociIndex
	if err := decodeJSON(data, &idx); err != nil {
		return nil, fmt.Errorf("parsing the index: %w", err)
	}
	if idx.SchemaVersion != 2 {
		return nil, fmt.Errorf("index schemaVersion %d, want 2", idx.SchemaVersion)
	}
	if idx.MediaType != "" && idx.MediaType != mediaOCIIndex && idx.MediaType != mediaDockerList {
		return nil, fmt.Errorf("index mediaType %q is not an image index", idx.MediaType)
	}
	out := make([]blobRef, 0, len(idx.Manifests))
	for i, d := range idx.Manifests {
		b, err := d.validate()
		if err != nil {
			return nil, fmt.Errorf("index manifests[%d]: %w", i, err)
		}
		out = append(out, b)
	}
	return out, nil
}

// parseManifest parses an image manifest whose descriptor had mediaType
// (may be empty); it returns the config and the layers.
func parseManifest(data []byte, mediaType string) (config blobRef, layers []blobRef, err error) {
	var m ociManifest
	if err := decodeJSON(data, &m); err != nil {
		return config, nil, fmt.Errorf("parsing the manifest: %w", err)
	}
	if m.SchemaVersion != 2 {
		return config, nil, fmt.Errorf("manifest schemaVersion %d, want 2", m.SchemaVersion)
	}
	if m.MediaType != "" && mediaType != "" && m.MediaType != mediaType {
		return config, nil, fmt.Errorf("manifest mediaType %q, its descriptor says %q", m.MediaType, mediaType)
	}
	if config, err = m.Config.validate(); err != nil {
		return config, nil, fmt.Errorf("manifest config: %w", err)
	}
	if config.mediaType != mediaOCIConfig && config.mediaType != mediaDockerConfig {
		return config, nil, fmt.Errorf("manifest config mediaType %q: not a container image (an artifact?)", config.mediaType)
	}
	for i, d := range m.Layers {
		b, err := d.validate()
		if err != nil {
			return config, nil, fmt.Errorf("manifest layers[%d]: %w", i, err)
		}
		if _, err := layerCompression(b.mediaType); err != nil {
			return config, nil, fmt.Errorf("manifest layers[%d]: %w", i, err)
		}
		layers = append(layers, b)
	}
	return config, layers, nil
}

// parseConfig parses an image configuration and its diff_ids, which must
// number nLayers.
func parseConfig(data []byte, nLayers int) (imageConfig, []digest, error) {
	var c imageConfig
	if err := decodeJSON(data, &c); err != nil {
		return c, nil, fmt.Errorf("parsing the image config: %w", err)
	}
	if c.RootFS.Type != "layers" {
		return c, nil, fmt.Errorf("image config rootfs.type %q, want \"layers\"", c.RootFS.Type)
	}
	if len(c.RootFS.DiffIDs) != nLayers {
		return c, nil, fmt.Errorf("image config lists %d diff_ids for %d layers", len(c.RootFS.DiffIDs), nLayers)
	}
	ids := make([]digest, len(c.RootFS.DiffIDs))
	for i, s := range c.RootFS.DiffIDs {
		d, err := parseDigest(s)
		if err != nil {
			return c, nil, fmt.Errorf("image config diff_ids[%d]: %w", i, err)
		}
		ids[i] = d
	}
	return c, ids, nil
}

// isIndex and isManifest tell descriptors apart by media type.
func isIndex(mt string) bool    { return mt == mediaOCIIndex || mt == mediaDockerList }
func isManifest(mt string) bool { return mt == mediaOCIManifest || mt == mediaDockerSchema2 }

// compression is how a layer blob is compressed.
type compression int

const (
	compressNone compression = iota
	compressGzip
	compressZstd
	compressSniff // unknown from the media type: by the magic number
)

// layerCompression reads a layer media type (image-spec layer.md; Docker's
// rootfs.diff types). Anything else, encrypted layers included, is refused.
func layerCompression(mt string) (compression, error) {
	base := strings.Replace(mt, ".nondistributable.", ".", 1)
	switch base {
	case "application/vnd.oci.image.layer.v1.tar":
		return compressNone, nil
	case "application/vnd.oci.image.layer.v1.tar+gzip", "application/vnd.docker.image.rootfs.diff.tar.gzip",
		"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip":
		return compressGzip, nil
	case "application/vnd.oci.image.layer.v1.tar+zstd":
		return compressZstd, nil
	}
	return 0, fmt.Errorf("layer mediaType %q is not a tar layer this checker reads", mt)
}

// dockerManifest is one image of a docker-archive's manifest.json.
type dockerManifest struct {
	Config   string   `json:"Config"`
	RepoTags []string `json:"RepoTags"`
	Layers   []string `json:"Layers"`
}

// parseDockerManifest parses manifest.json of a docker-archive.
func parseDockerManifest(data []byte) ([]dockerManifest, error) {
	var ms []dockerManifest
	if err := decodeJSON(data, &ms); err != nil {
		return nil, fmt.Errorf("parsing manifest.json: %w", err)
	}
	if len(ms) == 0 {
		return nil, errors.New("manifest.json lists no image")
	}
	for i, m := range ms {
		if m.Config == "" {
			return nil, fmt.Errorf("manifest.json image %d has no Config", i)
		}
	}
	return ms, nil
}
