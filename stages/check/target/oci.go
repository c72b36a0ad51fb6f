package target

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// refAnnotation names an image in an OCI layout's index (image-spec
// annotations.md); skopeo's oci:DIR:REF and umoci use it.
const refAnnotation = "org.opencontainers.image.ref.name"

// openOCILayout opens oci:DIR[:REF] and selects one image: the one whose
// ref.name is REF, else the only image, else the one for arch.
func openOCILayout(dir, ref, arch string) (v1.Image, error) {
	p, err := layout.FromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("reading OCI layout %s: %w", dir, err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		return nil, fmt.Errorf("reading the index of %s: %w", dir, err)
	}
	return selectImage(idx, ref, arch, 0)
}

// selectImage walks an index (and nested indexes) for the wanted image.
func selectImage(idx v1.ImageIndex, ref, arch string, depth int) (v1.Image, error) {
	if depth > 4 {
		return nil, errors.New("image indexes nested too deeply")
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("reading index manifest: %w", err)
	}
	var cands []v1.Descriptor
	for _, d := range im.Manifests {
		if ref != "" && d.Annotations[refAnnotation] != ref {
			continue
		}
		cands = append(cands, d)
	}
	if len(cands) == 0 {
		if ref != "" {
			return nil, fmt.Errorf("no image named %q in the index (annotation %s)", ref, refAnnotation)
		}
		return nil, errors.New("the index lists no image")
	}
	if len(cands) > 1 && arch != "" {
		var same []v1.Descriptor
		for _, d := range cands {
			if d.Platform != nil && NormalizeArch(d.Platform.Architecture) == arch {
				same = append(same, d)
			}
		}
		if len(same) > 0 {
			cands = same
		}
	}
	if len(cands) > 1 {
		var names []string
		for _, d := range cands {
			names = append(names, d.Annotations[refAnnotation]+"@"+d.Digest.String())
		}
		return nil, fmt.Errorf("the index lists %d images (%s); name one as oci:DIR:REF", len(cands), strings.Join(names, ", "))
	}
	d := cands[0]
	if d.MediaType.IsIndex() {
		sub, err := idx.ImageIndex(d.Digest)
		if err != nil {
			return nil, fmt.Errorf("reading nested index %s: %w", d.Digest, err)
		}
		return selectImage(sub, "", arch, depth+1)
	}
	img, err := idx.Image(d.Digest)
	if err != nil {
		return nil, fmt.Errorf("reading image %s: %w", d.Digest, err)
	}
	return img, nil
}

// openDockerArchive opens docker-archive:FILE[:TAG].
func openDockerArchive(file, tag string) (v1.Image, error) {
	var t *name.Tag
	if tag != "" {
		nt, err := name.NewTag(tag, name.WeakValidation)
		if err != nil {
			return nil, fmt.Errorf("tag %q: %w", tag, err)
		}
		t = &nt
	}
	img, err := tarball.ImageFromPath(file, t)
	if err != nil {
		return nil, fmt.Errorf("reading docker archive %s: %w", file, err)
	}
	return img, nil
}

// flatten reads an image's layers into a tarFS with mutate.Extract and returns
// the architecture its config records.
func flatten(img v1.Image, tmpDir string) (*tarFS, string, error) {
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, "", fmt.Errorf("reading image config: %w", err)
	}
	rc := mutate.Extract(img)
	defer rc.Close()
	t, err := newTarFS(rc, tmpDir)
	if err != nil {
		return nil, "", fmt.Errorf("flattening image layers: %w", err)
	}
	return t, NormalizeArch(cf.Architecture), nil
}

// unpackLayout unpacks an oci-archive (an OCI layout in a tar file) into a
// fresh directory under tmpDir, through os.Root: only regular files and
// directories, no name that climbs out.
func unpackLayout(file, tmpDir string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer f.Close()
	dir, err := os.MkdirTemp(tmpDir, "qm-build-check-oci-*")
	if err != nil {
		return "", fmt.Errorf("creating temporary directory: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	defer root.Close()
	if err := unpackInto(root, tar.NewReader(f)); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("unpacking %s: %w", file, err)
	}
	return dir, nil
}

func unpackInto(root *os.Root, tr *tar.Reader) error {
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading tar: %w", err)
		}
		p, err := tarPath(h.Name)
		if err != nil {
			return err
		}
		r := rel(p)
		if r == "." {
			continue
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := root.MkdirAll(r, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := root.MkdirAll(path.Dir(r), 0o755); err != nil {
				return err
			}
			out, err := root.OpenFile(r, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
			if err != nil {
				return err
			}
			_, err = io.Copy(out, tr)
			if cerr := out.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
		default:
			return fmt.Errorf("entry %s: an OCI layout holds only files and directories, not %q", h.Name, string(h.Typeflag))
		}
	}
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
