package target

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/qm-build/qm-build/rpmspec"
)

// Kind says what a target is.
type Kind string

// The kinds of target.
const (
	KindTree          Kind = "tree"
	KindOCI           Kind = "oci"
	KindOCIArchive    Kind = "oci-archive"
	KindDockerArchive Kind = "docker-archive"
	KindRPMs          Kind = "rpms"
	KindRepo          Kind = "repo"
)

// IsImage reports whether targets of this kind are images (have an FS).
func (k Kind) IsImage() bool { return k != KindRPMs && k != KindRepo }

// Target is an opened target.
type Target struct {
	Spec string // as given
	Kind Kind
	// FS is the image, for image kinds.
	FS FS
	// Arch is the architecture the image records (OCI config), normalised to
	// x86_64/aarch64; "" when the target records none (a plain tree).
	Arch string
	// Packages are the RPM files, for rpms and repo kinds.
	Packages *Packages

	tmpDirs []string
}

// Options tune Open.
type Options struct {
	// TempDir is where temporary files go ("" means os.TempDir()).
	TempDir string
	// Arch selects an image from a multi-architecture index.
	Arch string
}

// Error is a target that cannot be read: bad input (exit status 2) naming
// the target.
func Error(spec string, err error) error {
	return &rpmspec.InputError{Msg: "target " + spec, Err: err}
}

// Open opens a target given as on the command line (see the package comment).
// The caller must Close it.
func Open(spec string, o Options) (t *Target, err error) {
	if spec == "" {
		return nil, Error(spec, errors.New("no target given"))
	}
	t = &Target{Spec: spec}
	defer func() {
		if r := recover(); r != nil {
			// A reader library must not take the checker down with a corrupt input.
			err = fmt.Errorf("malformed input: %v", r)
		}
		if err != nil {
			t.Close()
			t = nil
			var ie *rpmspec.InputError
			if !errors.As(err, &ie) || !strings.HasPrefix(ie.Msg, "target ") {
				err = Error(spec, err)
			}
		}
	}()
	transport, rest, hasTransport := strings.Cut(spec, ":")
	if !hasTransport || strings.Contains(transport, "/") {
		transport, rest = "", spec
	}
	switch transport {
	case "oci":
		dir, ref, _ := strings.Cut(rest, ":")
		err = t.openImage(KindOCI, o, func() (v1.Image, error) { return openOCILayout(dir, ref, o.Arch) })
	case "oci-archive":
		file, ref := splitRef(rest)
		err = t.openImage(KindOCIArchive, o, func() (v1.Image, error) {
			dir, err := unpackLayout(file, o.TempDir)
			if err != nil {
				return nil, err
			}
			t.tmpDirs = append(t.tmpDirs, dir)
			return openOCILayout(dir, ref, o.Arch)
		})
	case "docker-archive":
		file, ref := splitRef(rest)
		err = t.openImage(KindDockerArchive, o, func() (v1.Image, error) { return openDockerArchive(file, ref) })
	case "dir", "tree":
		err = t.openTree(rest)
	case "rpms":
		t.Kind = KindRPMs
		t.Packages, err = openPackages(rest, false)
	case "repo":
		t.Kind = KindRepo
		t.Packages, err = openPackages(rest, true)
	case "":
		err = t.openDir(rest)
	default:
		err = fmt.Errorf("unknown transport %q (want a directory, oci:, oci-archive:, docker-archive:, rpms: or repo:)", transport)
	}
	return t, err
}

// splitRef splits FILE[:REF] where FILE itself exists as given first.
func splitRef(s string) (file, ref string) {
	if _, err := os.Stat(s); err == nil {
		return s, ""
	}
	if i := strings.LastIndexByte(s, ':'); i > 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

func (t *Target) openImage(k Kind, o Options, open func() (v1.Image, error)) error {
	t.Kind = k
	img, err := open()
	if err != nil {
		return err
	}
	fsys, arch, err := flatten(img, o.TempDir)
	if err != nil {
		return err
	}
	t.FS, t.Arch = fsys, arch
	return nil
}

// openDir tells an image tree from a directory of packages: repodata/repomd.xml
// makes a repository; *.rpm files and no usr/ or etc/ make a package directory.
func (t *Target) openDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("not a directory; name archives as oci-archive:FILE or docker-archive:FILE")
	}
	if _, err := os.Stat(filepath.Join(dir, "repodata", "repomd.xml")); err == nil {
		t.Kind = KindRepo
		t.Packages, err = openPackages(dir, true)
		return err
	}
	if looksLikePackages(dir) {
		t.Kind = KindRPMs
		t.Packages, err = openPackages(dir, false)
		return err
	}
	return t.openTree(dir)
}

func looksLikePackages(dir string) bool {
	for _, d := range []string{"usr", "etc"} {
		if _, err := os.Lstat(filepath.Join(dir, d)); err == nil {
			return false
		}
	}
	m, _ := filepath.Glob(filepath.Join(dir, "*.rpm"))
	return len(m) > 0
}

func (t *Target) openTree(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return errors.New("not a directory")
	}
	t.Kind = KindTree
	d, err := openDir(dir)
	if err != nil {
		return err
	}
	t.FS = d
	return nil
}

// Close releases the target and removes its temporary files.
func (t *Target) Close() error {
	if t == nil {
		return nil
	}
	var err error
	if t.FS != nil {
		err = t.FS.Close()
	}
	for _, d := range t.tmpDirs {
		if rerr := os.RemoveAll(d); rerr != nil && err == nil {
			err = rerr
		}
	}
	return err
}
