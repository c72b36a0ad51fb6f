package target

import (
	"context"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// readDockerArchive reads a `docker save` tarball (as docker and skopeo's
// docker-archive: write it): manifest.json, the config it names, and the
// layers. The format records no digests or sizes of its own, so trust comes
// from the config: its file name is its digest (the image ID), checked, and
// its rootfs.diff_ids name every layer's uncompressed content, checked as the
// layers stream. A layer stored as blobs/ALG/HEX (Docker 25 and later) is
// also checked against that name.
func readDockerArchive(ctx context.Context, a *archive, ref string, lim Limits) (*imageSpec, error) {
	mf, err := a.open("manifest.json")
	if err != nil {
		return nil, fmt.Errorf("no manifest.json: not a docker archive (%w)", err)
	}
	data, err := readVerified(mf, digest{}, -1, lim.MaxJSON, "manifest.json")
	if err != nil {
		return nil, err
	}
	ms, err := parseDockerManifest(data)
	if err != nil {
		return nil, err
	}
	m, err := selectDockerImage(ms, ref)
	if err != nil {
		return nil, err
	}
	if len(m.Layers) > lim.MaxLayers {
		return nil, &LimitError{Limit: "MaxLayers", Value: int64(lim.MaxLayers), What: fmt.Sprintf("an image of %d layers", len(m.Layers))}
	}
	cfgDigest, ok := nameDigest(m.Config)
	if !ok {
		return nil, fmt.Errorf("manifest.json: config %q is not named by its digest, so it cannot be verified", m.Config)
	}
	cf, err := a.open(m.Config)
	if err != nil {
		return nil, &BlobError{Blob: "the image config " + m.Config, Err: err}
	}
	data, err = readVerified(cf, cfgDigest, cf.Size(), lim.MaxJSON, "the image config "+m.Config)
	if err != nil {
		return nil, err
	}
	cfg, diffIDs, err := parseConfig(data, len(m.Layers))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", m.Config, err)
	}
	img := &imageSpec{arch: NormalizeArch(cfg.Architecture), labels: cfg.Config.Labels, digest: cfgDigest.String()}
	for i, name := range m.Layers {
		sr, err := a.open(name)
		if err != nil {
			return nil, &BlobError{Blob: fmt.Sprintf("layer %d of %d (%s)", i+1, len(m.Layers), name), Err: err}
		}
		l := layerSource{
			name:   fmt.Sprintf("layer %d of %d (%s)", i+1, len(m.Layers), name),
			open:   func() (io.ReadCloser, error) { return io.NopCloser(io.NewSectionReader(sr, 0, sr.Size())), nil },
			size:   sr.Size(),
			diffID: diffIDs[i],
			comp:   compressSniff,
		}
		if strings.HasPrefix(name, "blobs/") {
			l.digest, _ = nameDigest(name)
		}
		img.layers = append(img.layers, l)
		img.blobBytes += sr.Size()
	}
	return img, nil
}

// nameDigest reads a digest from a member name: blobs/ALG/HEX, ALG:HEX, or
// HEX.json and HEX.tar as docker save and skopeo name configs and layers.
func nameDigest(name string) (digest, bool) {
	if rest, ok := strings.CutPrefix(name, "blobs/"); ok {
		alg, hex, _ := strings.Cut(rest, "/")
		d, err := parseDigest(alg + ":" + hex)
		return d, err == nil
	}
	base := path.Base(name)
	if d, err := parseDigest(base); err == nil {
		return d, true // go-containerregistry names the config ALG:HEX
	}
	base = strings.TrimSuffix(strings.TrimSuffix(base, ".json"), ".tar")
	return hexDigest(base)
}

// selectDockerImage picks an image of manifest.json: the only one, the one
// tagged ref, or the one at index N for "@N" (skopeo's syntax).
func selectDockerImage(ms []dockerManifest, ref string) (dockerManifest, error) {
	if ref == "" {
		if len(ms) > 1 {
			var tags []string
			for i, m := range ms {
				tags = append(tags, fmt.Sprintf("@%d %s", i, strings.Join(m.RepoTags, ",")))
			}
			return dockerManifest{}, fmt.Errorf("the archive holds %d images (%s); name one as docker-archive:FILE:TAG or :@N", len(ms), strings.Join(tags, "; "))
		}
		return ms[0], nil
	}
	if n, ok := strings.CutPrefix(ref, "@"); ok {
		i, err := strconv.Atoi(n)
		if err != nil || i < 0 || i >= len(ms) {
			return dockerManifest{}, fmt.Errorf("no image @%s in the archive (it holds %d)", n, len(ms))
		}
		return ms[i], nil
	}
	for _, m := range ms {
		for _, t := range m.RepoTags {
			if sameTag(t, ref) {
				return m, nil
			}
		}
	}
	return dockerManifest{}, fmt.Errorf("no image tagged %q in the archive", ref)
}

// sameTag compares tags with and without Docker Hub's implied prefixes.
func sameTag(a, b string) bool {
	norm := func(s string) string {
		s = strings.TrimPrefix(s, "docker.io/")
		return strings.TrimPrefix(s, "library/")
	}
	return norm(a) == norm(b)
}
