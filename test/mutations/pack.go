package mutations

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/sys/unix"
)

// RefName is the name the packed images carry (OCI ref.name annotation, and
// the docker-archive tag).
const RefName = "qm:test"

// TarTree writes the tree at dir as a tar stream: entries in path order, with
// their modes, owners, symlink targets and device numbers, and a fixed time.
func TarTree(dir string, w io.Writer) error {
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(paths)
	tw := tar.NewWriter(w)
	links := hardLinks{}
	for _, p := range paths {
		if err := tarEntry(tw, dir, p, links); err != nil {
			return err
		}
	}
	return tw.Close()
}

func tarEntry(tw *tar.Writer, dir, p string, links hardLinks) error {
	fi, err := os.Lstat(p)
	if err != nil {
		return err
	}
	link := ""
	if fi.Mode()&fs.ModeSymlink != 0 {
		if link, err = os.Readlink(p); err != nil {
			return err
		}
	}
	h, err := tar.FileInfoHeader(fi, link)
	if err != nil {
		return err
	}
	rel, _ := filepath.Rel(dir, p)
	h.Name = filepath.ToSlash(rel)
	if fi.IsDir() {
		h.Name += "/"
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		h.Uid, h.Gid = int(st.Uid), int(st.Gid)
	}
	h.Uname, h.Gname = "", ""
	h.ModTime = time.Unix(1700000000, 0)
	h.AccessTime, h.ChangeTime = time.Time{}, time.Time{}
	h.Format = tar.FormatPAX
	if label := selinuxLabel(p); label != "" {
		h.PAXRecords = map[string]string{"SCHILY.xattr.security.selinux": label}
	}
	if first := links.seen(fi, h.Name); first != "" {
		h.Typeflag, h.Linkname, h.Size = tar.TypeLink, first, 0
		return tw.WriteHeader(h)
	}
	if err := tw.WriteHeader(h); err != nil {
		return fmt.Errorf("writing %s: %w", h.Name, err)
	}
	if fi.Mode().IsRegular() {
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(tw, f)
		return err
	}
	return nil
}

// selinuxLabel reads a file's security.selinux attribute ("" when none).
func selinuxLabel(p string) string {
	buf := make([]byte, 256)
	n, err := unix.Lgetxattr(p, "security.selinux", buf)
	if err != nil || n <= 0 {
		return ""
	}
	return strings.TrimRight(string(buf[:n]), "\x00")
}

// PackImage makes a one-layer OCI image of the tree at dir, for the given
// architecture (x86_64 or aarch64).
func PackImage(dir, arch string) (v1.Image, error) {
	var buf bytes.Buffer
	if err := TarTree(dir, &buf); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return nil, err
	}
	img = mutate.MediaType(img, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS = "linux"
	cf.Architecture = map[string]string{"x86_64": "amd64", "aarch64": "arm64"}[arch]
	return mutate.ConfigFile(img, cf)
}

// WriteOCILayout writes img as an OCI image layout at dir, named RefName.
func WriteOCILayout(dir string, img v1.Image) error {
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	return p.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": RefName}))
}

// WriteDockerArchive writes img as a docker-archive tarball, tagged RefName.
func WriteDockerArchive(file string, img v1.Image) error {
	tag, err := name.NewTag("localhost/"+RefName, name.WeakValidation)
	if err != nil {
		return err
	}
	return tarball.WriteToFile(file, tag, img)
}
