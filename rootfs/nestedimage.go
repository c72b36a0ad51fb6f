package rootfs

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/qm-build/qm-build/rpmspec"
)

// Nested images baked into QM's image store at build time
// (docs/nested-images.md). The inputs are local and offline: an OCI image
// layout, an OCI archive (a tar of a layout) or a docker archive (docker
// save). Each is resolved to the digest of its image manifest, and the nested
// quadlets then name the image by that digest.

// The transports of a nested image source, spelled as skopeo spells them
// (containers-transports(5)), so a source is also a skopeo reference.
const (
	TransportOCI           = "oci"
	TransportOCIArchive    = "oci-archive"
	TransportDockerArchive = "docker-archive"
)

// NestedStore is the image store nested images are baked into, as the host
// sees it: QM's /usr/share/containers/storage, inside QM's read-only rootfs.
// QM's storage.conf lists it as an additional image store (NestedStoreInQM).
const (
	NestedStoreInQM = "/usr/share/containers/storage"
	NestedStore     = rpmspec.QMRootfs + NestedStoreInQM
	// NestedStoreDriver is the graph driver of QM's podman: QM's
	// storage.conf sets it (NestedStorageConfFor), and the store of baked
	// images is written with it, since containers/storage reads an
	// additional image store only through its primary driver
	// (DRIVER-images, DRIVER-layers, DRIVER/). Writing an overlay store
	// needs root (docs/nested-images.md).
	NestedStoreDriver = "overlay"
)

// NestedSource is where a nested image comes from: TRANSPORT:PATH[:TAG].
type NestedSource struct {
	Transport string // TransportOCI, TransportOCIArchive or TransportDockerArchive
	Path      string // the layout directory or the archive file
	Tag       string // the image's tag in an OCI layout or archive (org.opencontainers.image.ref.name); "" when it holds one image
}

// String spells the source as skopeo takes it.
func (s NestedSource) String() string {
	if s.Tag == "" {
		return s.Transport + ":" + s.Path
	}
	return s.Transport + ":" + s.Path + ":" + s.Tag
}

// ParseNestedSource parses TRANSPORT:PATH[:TAG]: oci:DIR[:TAG],
// oci-archive:FILE[:TAG] or docker-archive:FILE.
func ParseNestedSource(s string) (NestedSource, error) {
	tr, rest, ok := strings.Cut(s, ":")
	if !ok || rest == "" {
		return NestedSource{}, fmt.Errorf("%q is not TRANSPORT:PATH (oci:DIR[:TAG], oci-archive:FILE[:TAG] or docker-archive:FILE)", s)
	}
	src := NestedSource{Transport: tr, Path: rest}
	switch tr {
	case TransportOCI, TransportOCIArchive:
		if p, tag, ok := strings.Cut(rest, ":"); ok {
			src.Path, src.Tag = p, tag
			if tag == "" {
				return NestedSource{}, fmt.Errorf("%q: empty tag after the path", s)
			}
		}
	case TransportDockerArchive:
		if strings.Contains(rest, ":") {
			return NestedSource{}, fmt.Errorf("%q: a docker archive is docker-archive:FILE (a path without a colon)", s)
		}
	default:
		return NestedSource{}, fmt.Errorf("%q: unknown transport %q; use oci:DIR[:TAG], oci-archive:FILE[:TAG] or docker-archive:FILE", s, tr)
	}
	if src.Path == "" {
		return NestedSource{}, fmt.Errorf("%q: empty path", s)
	}
	return src, nil
}

// NestedImage is one nested image resolved from its source.
type NestedImage struct {
	Key    string       `json:"key"`    // the image key (`qm-build dropins`)
	Source NestedSource `json:"source"` //
	// Name is the repository the nested quadlet names: the image key's
	// reference without its tag or digest (quay.io/qm-images/kvm).
	Name string `json:"name"`
	// Tag is the reference's tag, the store's name for the image
	// (Name:Tag), "" when the reference had none.
	Tag string `json:"tag,omitempty"`
	// Digest is the image manifest's digest (sha256:…), as podman lists it
	// (`podman images --digests`); the quadlet names Name@Digest.
	Digest string `json:"digest"`
	// ID is the digest of the image's configuration: podman's image ID.
	ID string `json:"id"`
	// Manifest is the image manifest as the store keeps it.
	Manifest []byte `json:"-"`
}

// Pinned is the reference the nested quadlet names: NAME@DIGEST.
func (n NestedImage) Pinned() string { return n.Name + "@" + n.Digest }

// StoreName is the name the image has in the store: NAME:TAG, or NAME@DIGEST.
func (n NestedImage) StoreName() string {
	if n.Tag == "" {
		return n.Pinned()
	}
	return n.Name + ":" + n.Tag
}

// nestedRequest is one image to bake: its key, its source, and where it
// was asked for (the option, or a drop-in declaration's file and line).
type nestedRequest struct {
	key, source string
	file        string // the declaration; "" for the option
	line        int
	dir         string // what a relative path is relative to; "" for the working directory
}

// err is a problem of the request, located where it was asked for.
func (r nestedRequest) err(msg string, cause error) *rpmspec.InputError {
	if r.file != "" {
		return &rpmspec.InputError{File: r.file, Line: r.line, Field: "nested-images." + r.key, Msg: msg, Err: cause}
	}
	return &rpmspec.InputError{Field: FieldNestedImages + "." + r.key, Msg: msg, Err: cause}
}

// nestedRequests are the option's nested images, then those the selected
// drop-ins declare for keys the option does not set (the built-in catalog
// declares none).
func nestedRequests(o Options, ds []*rpmspec.Dropin) []nestedRequest {
	var out []nestedRequest
	for _, k := range slices.Sorted(maps.Keys(o.NestedImages)) {
		out = append(out, nestedRequest{key: k, source: o.NestedImages[k]})
	}
	for _, d := range ds {
		for _, n := range d.NestedImages {
			if _, set := o.NestedImages[n.Key]; set {
				continue
			}
			out = append(out, nestedRequest{key: n.Key, source: n.Source, file: d.Source, line: n.Line, dir: filepath.Dir(d.Source)})
		}
	}
	return out
}

// resolveNestedImages resolves each nested image against its image key's
// reference (o.Images, else the catalog's default), and pins the key to the
// resolved digest in o.Images. Problems name the option
// (nested_images.KEY) or the declaration's file and line.
func resolveNestedImages(o *Options, cat *rpmspec.Catalog, ds []*rpmspec.Dropin) ([]NestedImage, rpmspec.Errors) {
	var errs rpmspec.Errors
	var out []NestedImage
	keys := ImageKeys(cat)
	reqs := nestedRequests(*o, ds)
	if len(reqs) > 0 {
		o.Images = maps.Clone(o.Images) // the caller's map stays as it was
		if o.Images == nil {
			o.Images = map[string]string{}
		}
	}
	if len(o.NestedImages) > 0 {
		o.NestedImages = maps.Clone(o.NestedImages) // made absolute below
	}
	seen := map[string]string{}
	for _, r := range reqs {
		if !slices.Contains(keys, r.key) {
			errs = append(errs, r.err(fmt.Sprintf("unknown image key %q; known keys: %s", r.key, strings.Join(keys, ", ")), nil))
			continue
		}
		if prev, dup := seen[r.key]; dup {
			errs = append(errs, r.err(fmt.Sprintf("image key %q is baked already (%s); give it once, or set it with the option, which wins", r.key, prev), nil))
			continue
		}
		src, err := ParseNestedSource(r.source)
		if err != nil {
			errs = append(errs, r.err(err.Error(), nil))
			continue
		}
		if r.dir != "" && !filepath.IsAbs(src.Path) {
			src.Path = filepath.Join(r.dir, src.Path)
		}
		if abs, err := filepath.Abs(src.Path); err == nil {
			src.Path = abs
		}
		ref := o.Images[r.key]
		if ref == "" {
			ref = defaultImage(cat, r.key)
		}
		name, tag := splitImageRef(ref)
		n, err := ResolveNested(src)
		if err != nil {
			errs = append(errs, r.err("reading "+src.String(), err))
			continue
		}
		n.Key, n.Source, n.Name, n.Tag = r.key, src, name, tag
		seen[r.key] = src.String()
		if r.file == "" {
			// Absolute, so that another program given the options (the
			// manifest program) reads the same files.
			o.NestedImages[r.key] = src.String()
		}
		o.Images[r.key] = n.Pinned()
		out = append(out, n)
	}
	slices.SortFunc(out, func(a, b NestedImage) int { return strings.Compare(a.Key, b.Key) })
	return out, errs
}

// defaultImage is the reference the catalog's drop-ins declare for key.
func defaultImage(cat *rpmspec.Catalog, key string) string {
	for _, d := range cat.All() {
		if r, ok := d.Images[key]; ok {
			return r
		}
	}
	return ""
}

// splitImageRef splits a reference into its name and tag, dropping a digest.
func splitImageRef(ref string) (name, tag string) {
	name, _, _ = strings.Cut(ref, "@")
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		return name[:i], name[i+1:]
	}
	return name, ""
}

// The media types a nested image's manifest may have.
const (
	mediaOCIManifest    = "application/vnd.oci.image.manifest.v1+json"
	mediaDockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
	refNameAnnotation   = "org.opencontainers.image.ref.name"
	maxNestedJSON       = 4 << 20
)

type descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

type ociIndex struct {
	Manifests []descriptor `json:"manifests"`
}

type imageManifest struct {
	MediaType string       `json:"mediaType"`
	Config    descriptor   `json:"config"`
	Layers    []descriptor `json:"layers"`
}

// ResolveNested reads src's image manifest: its digest and its
// configuration's. An OCI layout or archive must hold one image manifest
// (or one with src.Tag); an image index is refused (name one image of it).
// A docker archive has no manifest of its own: the one copying it makes
// (skopeo, containers/image) is a docker v2 schema 2 manifest built from
// its manifest.json, which DockerArchiveManifest writes the same way.
func ResolveNested(src NestedSource) (NestedImage, error) {
	var open func(name string) (io.ReadCloser, error)
	switch src.Transport {
	case TransportOCI:
		open = func(name string) (io.ReadCloser, error) {
			return os.Open(filepath.Join(src.Path, filepath.FromSlash(name)))
		}
	case TransportOCIArchive, TransportDockerArchive:
		open = func(name string) (io.ReadCloser, error) { return openInTar(src.Path, name) }
	default:
		return NestedImage{}, fmt.Errorf("unknown transport %q", src.Transport)
	}
	if src.Transport == TransportDockerArchive {
		return resolveDockerArchive(open)
	}
	var idx ociIndex
	if err := readJSON(open, "index.json", &idx); err != nil {
		return NestedImage{}, err
	}
	var picked []descriptor
	for _, d := range idx.Manifests {
		if src.Tag == "" || d.Annotations[refNameAnnotation] == src.Tag {
			picked = append(picked, d)
		}
	}
	switch {
	case len(picked) == 0 && src.Tag != "":
		return NestedImage{}, fmt.Errorf("no image tagged %q in index.json", src.Tag)
	case len(picked) == 0:
		return NestedImage{}, errors.New("index.json lists no image")
	case len(picked) > 1:
		return NestedImage{}, fmt.Errorf("index.json lists %d images; name one with :TAG", len(picked))
	}
	d := picked[0]
	if d.MediaType != mediaOCIManifest && d.MediaType != mediaDockerManifest {
		return NestedImage{}, fmt.Errorf("%s is a %s, not an image manifest; give a layout of one image", d.Digest, d.MediaType)
	}
	body, err := readBlob(open, d.Digest)
	if err != nil {
		return NestedImage{}, err
	}
	var m imageManifest
	if err := json.Unmarshal(body, &m); err != nil {
		return NestedImage{}, fmt.Errorf("manifest %s: %w", d.Digest, err)
	}
	if _, err := readBlob(open, m.Config.Digest); err != nil {
		return NestedImage{}, fmt.Errorf("the configuration of manifest %s: %w", d.Digest, err)
	}
	for _, l := range m.Layers {
		if err := checkBlob(open, l.Digest); err != nil {
			return NestedImage{}, fmt.Errorf("a layer of manifest %s: %w", d.Digest, err)
		}
	}
	return NestedImage{Digest: d.Digest, ID: m.Config.Digest, Manifest: body}, nil
}

// readJSON decodes a small JSON file of the source.
func readJSON(open func(string) (io.ReadCloser, error), name string, v any) error {
	f, err := open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxNestedJSON+1))
	if err != nil {
		return fmt.Errorf("reading %s: %w", name, err)
	}
	if len(data) > maxNestedJSON {
		return fmt.Errorf("%s is larger than %d MiB", name, maxNestedJSON>>20)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// blobPath is where an OCI layout keeps a blob.
func blobPath(digest string) (string, error) {
	alg, hexd, ok := strings.Cut(digest, ":")
	if !ok || alg != "sha256" || len(hexd) != 64 || strings.Trim(hexd, "0123456789abcdef") != "" {
		return "", fmt.Errorf("digest %q is not sha256:<64 hex digits>", digest)
	}
	return path.Join("blobs", alg, hexd), nil
}

// readBlob reads a small blob and checks its digest.
func readBlob(open func(string) (io.ReadCloser, error), digest string) ([]byte, error) {
	p, err := blobPath(digest)
	if err != nil {
		return nil, err
	}
	f, err := open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxNestedJSON+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", p, err)
	}
	if len(data) > maxNestedJSON {
		return nil, fmt.Errorf("%s is larger than %d MiB", p, maxNestedJSON>>20)
	}
	if got := SHA256Digest(data); got != digest {
		return nil, fmt.Errorf("%s has digest %s, not %s", p, got, digest)
	}
	return data, nil
}

// checkBlob checks that a blob is present and has its digest.
func checkBlob(open func(string) (io.ReadCloser, error), digest string) error {
	p, err := blobPath(digest)
	if err != nil {
		return err
	}
	f, err := open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("reading %s: %w", p, err)
	}
	if got := "sha256:" + hex.EncodeToString(h.Sum(nil)); got != digest {
		return fmt.Errorf("%s has digest %s, not %s", p, got, digest)
	}
	return nil
}

// SHA256Digest is data's digest as OCI spells it (sha256:…).
func SHA256Digest(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// openInTar opens one member of a tar archive (a regular file, by its name
// with any leading "./" dropped).
func openInTar(archive, name string) (io.ReadCloser, error) {
	f, err := os.Open(archive)
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			f.Close()
			return nil, fmt.Errorf("%s: no %s in the archive: %w", archive, name, fs.ErrNotExist)
		}
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("reading %s: %w", archive, err)
		}
		if path.Clean(strings.TrimPrefix(h.Name, "./")) == name && h.Typeflag == tar.TypeReg {
			return struct {
				io.Reader
				io.Closer
			}{tr, f}, nil
		}
	}
}

// dockerArchiveEntry is one image of a docker archive's manifest.json.
type dockerArchiveEntry struct {
	Config   string   `json:"Config"`
	RepoTags []string `json:"RepoTags"`
	Layers   []string `json:"Layers"`
}

// schema2 is the docker v2 schema 2 manifest, with containers/image's field
// order (manifest.Schema2), which copying a docker archive writes.
type schema2 struct {
	SchemaVersion int                 `json:"schemaVersion"`
	MediaType     string              `json:"mediaType"`
	Config        schema2Descriptor   `json:"config"`
	Layers        []schema2Descriptor `json:"layers"`
}

type schema2Descriptor struct {
	MediaType string `json:"mediaType"`
	Size      int64  `json:"size"`
	Digest    string `json:"digest"`
}

// resolveDockerArchive makes the manifest containers/image makes for a
// docker archive of one image (docker/internal/tarfile's GetManifest): the
// configuration by digest, and each layer by its diff ID (the digest of the
// uncompressed tar), with the size of its file in the archive.
func resolveDockerArchive(open func(string) (io.ReadCloser, error)) (NestedImage, error) {
	var entries []dockerArchiveEntry
	if err := readJSON(open, "manifest.json", &entries); err != nil {
		return NestedImage{}, err
	}
	if len(entries) != 1 {
		return NestedImage{}, fmt.Errorf("manifest.json lists %d images; give an archive of one", len(entries))
	}
	e := entries[0]
	cf, err := open(path.Clean(e.Config))
	if err != nil {
		return NestedImage{}, err
	}
	config, err := io.ReadAll(io.LimitReader(cf, maxNestedJSON+1))
	cf.Close()
	if err != nil || len(config) > maxNestedJSON {
		return NestedImage{}, fmt.Errorf("reading the configuration %s: %v", e.Config, err)
	}
	var c struct {
		RootFS struct {
			DiffIDs []string `json:"diff_ids"`
		} `json:"rootfs"`
	}
	if err := json.Unmarshal(config, &c); err != nil {
		return NestedImage{}, fmt.Errorf("the configuration %s: %w", e.Config, err)
	}
	if len(c.RootFS.DiffIDs) != len(e.Layers) {
		return NestedImage{}, fmt.Errorf("the configuration lists %d layers, manifest.json %d", len(c.RootFS.DiffIDs), len(e.Layers))
	}
	m := schema2{
		SchemaVersion: 2,
		MediaType:     mediaDockerManifest,
		Config:        schema2Descriptor{MediaType: "application/vnd.docker.container.image.v1+json", Size: int64(len(config)), Digest: SHA256Digest(config)},
		Layers:        []schema2Descriptor{},
	}
	for i, l := range e.Layers {
		lf, err := open(path.Clean(l))
		if err != nil {
			return NestedImage{}, err
		}
		h := sha256.New()
		n, err := io.Copy(h, lf)
		lf.Close()
		if err != nil {
			return NestedImage{}, fmt.Errorf("reading layer %s: %w", l, err)
		}
		if got := "sha256:" + hex.EncodeToString(h.Sum(nil)); got != c.RootFS.DiffIDs[i] {
			return NestedImage{}, fmt.Errorf("layer %s has digest %s, the configuration says %s (a compressed layer is not supported)", l, got, c.RootFS.DiffIDs[i])
		}
		m.Layers = append(m.Layers, schema2Descriptor{MediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", Size: n, Digest: c.RootFS.DiffIDs[i]})
	}
	body, err := json.Marshal(&m)
	if err != nil {
		return NestedImage{}, err
	}
	return NestedImage{Digest: SHA256Digest(body), ID: m.Config.Digest, Manifest: body}, nil
}
