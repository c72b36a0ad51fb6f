package target

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// form is one way a target can be given. Each form is an opener that fills a
// Target: image forms produce the same FS (so rules cannot tell them apart),
// package forms produce Packages. A new form (a disk image, an ostree
// commit) is one more row.
type form struct {
	kind      Kind
	transport string // the prefix that names the form explicitly
	synopsis  string // how it is spelled, for --help
	help      string
	// detect recognises a bare path of this form (nil: only by transport).
	detect func(p string, fi fs.FileInfo) bool
	open   func(ctx context.Context, t *Target, arg string, o Options) error
}

// forms is the table Open uses; detection tries the rows in order.
func forms() []form {
	return []form{
		{KindOCI, "oci", "oci:DIR[:REF]", "an OCI image layout (a directory with oci-layout)",
			func(p string, fi fs.FileInfo) bool { return fi.IsDir() && isFile(filepath.Join(p, "oci-layout")) },
			openOCI},
		{KindOCIArchive, "oci-archive", "oci-archive:FILE[:REF]", "an OCI image layout in a tar file", nil,
			func(ctx context.Context, t *Target, arg string, o Options) error {
				return t.openArchive(ctx, KindOCIArchive, arg, o)
			}},
		{KindDockerArchive, "docker-archive", "docker-archive:FILE[:TAG|:@N]", "a docker save tar file (skopeo docker-archive:)", nil,
			func(ctx context.Context, t *Target, arg string, o Options) error {
				return t.openArchive(ctx, KindDockerArchive, arg, o)
			}},
		{KindRepo, "repo", "repo:DIR", "a yum repository (a directory with repodata/repomd.xml)",
			func(p string, fi fs.FileInfo) bool {
				return fi.IsDir() && exists(filepath.Join(p, "repodata", "repomd.xml"))
			},
			func(ctx context.Context, t *Target, arg string, o Options) error {
				return t.openPackages(ctx, KindRepo, arg)
			}},
		{KindRPMs, "rpms", "rpms:DIR", "a directory of *.rpm files (and no usr/ or etc/)",
			func(p string, fi fs.FileInfo) bool { return fi.IsDir() && looksLikePackages(p) },
			func(ctx context.Context, t *Target, arg string, o Options) error {
				return t.openPackages(ctx, KindRPMs, arg)
			}},
		{KindDisk, "disk", "disk:IMAGE[:N]", "a raw or qcow2 disk image (GPT or MBR), mounted as it boots; N picks the root partition",
			detectDisk, openDisk},
		{KindOSTree, "ostree", "ostree:REPO:REF", "an ostree commit, laid out as a deployment (/usr/etc as /etc)",
			detectOSTree, openOSTree},
		{KindTree, "dir", "DIR (or dir:DIR)", "an image tree (osbuild's exported tree, any rootfs)", nil,
			func(ctx context.Context, t *Target, arg string, o Options) error { return t.openTree(ctx, arg) }},
	}
}

// Usage describes the target forms, one per line, for `check --help`.
func Usage() string {
	var b strings.Builder
	for _, f := range forms() {
		fmt.Fprintf(&b, "  %-30s %s\n", f.synopsis, f.help)
	}
	b.WriteString("  FILE                           an OCI or docker archive (by its members)\n")
	return b.String()
}

func isFile(p string) bool {
	fi, err := os.Lstat(p)
	return err == nil && fi.Mode().IsRegular()
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

func looksLikePackages(dir string) bool {
	for _, d := range []string{"usr", "etc"} {
		if exists(filepath.Join(dir, d)) {
			return false
		}
	}
	m, _ := filepath.Glob(filepath.Join(dir, "*.rpm"))
	return len(m) > 0
}

// openOCI opens oci:DIR[:REF].
func openOCI(ctx context.Context, t *Target, arg string, o Options) error {
	dir, ref, _ := strings.Cut(arg, ":")
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory; name a tar file as oci-archive:FILE", dir)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	return t.openImage(ctx, KindOCI, o, func() (*imageSpec, error) {
		return readLayout(ctx, layoutDir{root}, ref, o.Arch, o.Limits)
	})
}

// openArchive opens oci-archive:FILE[:REF] or docker-archive:FILE[:REF].
func (t *Target) openArchive(ctx context.Context, k Kind, arg string, o Options) error {
	file, ref := splitRef(arg)
	a, err := openArchive(ctx, file, o.Limits)
	if err != nil {
		return err
	}
	defer a.Close()
	return t.openImage(ctx, k, o, func() (*imageSpec, error) { return readArchive(ctx, a, k, ref, o) })
}

// openArchiveAuto opens a bare FILE: an OCI layout in a tar file has
// oci-layout, a docker archive has manifest.json (Docker 25 and later write
// both: the OCI layout, with its digests and sizes, is read).
func (t *Target) openArchiveAuto(ctx context.Context, file string, o Options) error {
	a, err := openArchive(ctx, file, o.Limits)
	if err != nil {
		return err
	}
	defer a.Close()
	var k Kind
	switch {
	case a.has("oci-layout"):
		k = KindOCIArchive
	case a.has("manifest.json"):
		k = KindDockerArchive
	default:
		return fmt.Errorf("%s is a tar file but neither an OCI archive (no oci-layout) nor a docker archive (no manifest.json)", file)
	}
	return t.openImage(ctx, k, o, func() (*imageSpec, error) { return readArchive(ctx, a, k, "", o) })
}

func readArchive(ctx context.Context, a *archive, k Kind, ref string, o Options) (*imageSpec, error) {
	if k == KindDockerArchive {
		return readDockerArchive(ctx, a, ref, o.Limits)
	}
	if !a.has("oci-layout") && a.has("manifest.json") {
		return nil, errors.New("no oci-layout member: this looks like a docker archive (docker-archive:FILE)")
	}
	return readLayout(ctx, layoutArchive{a}, ref, o.Arch, o.Limits)
}

// splitRef splits FILE[:REF]: the whole when it names a file, else at the
// first colon before which a file exists (a REF may hold colons itself:
// localhost/qm:test).
func splitRef(s string) (file, ref string) {
	if _, err := os.Stat(s); err == nil {
		return s, ""
	}
	for i := 0; i < len(s); i++ {
		if s[i] != ':' || i == 0 {
			continue
		}
		if _, err := os.Stat(s[:i]); err == nil {
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}
