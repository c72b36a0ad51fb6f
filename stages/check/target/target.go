package target

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

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
	KindDisk          Kind = "disk"
	KindOSTree        Kind = "ostree"
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
	// Notes say how the image was read, for the report: which partition is
	// mounted where and how, what an ostree commit's layout gave.
	Notes []string
	// Bootc reports an OCI image that declares itself a bootc image
	// (containers.bootc=1 or ostree.bootable), whose /etc and kernel
	// arguments are then read with bootc's semantics.
	Bootc bool
	// Digest is the image's manifest digest, when the form has one.
	Digest string

	workDir string
	// unregisterWorkDir takes workDir off the hard stop's cleanup.
	unregisterWorkDir func()
}

// Options tune Open.
type Options struct {
	// TempDir is where the work directory goes ("" means os.TempDir()).
	TempDir string
	// Arch selects an image from a multi-architecture index.
	Arch string
	// Limits bound what reading an image may cost (zero fields: defaults).
	Limits Limits
	// Progress, when set, is told what a long read is doing (a phase, a
	// count), for a progress line on a terminal.
	Progress func(string)
}

// Error is a target that cannot be read: bad input (exit status 2) naming
// the target.
func Error(spec string, err error) error {
	return &rpmspec.InputError{Msg: "target " + spec, Err: err}
}

// Open opens a target given as on the command line (see the package comment).
// The caller must Close it.
func Open(spec string, o Options) (*Target, error) {
	return OpenContext(context.Background(), spec, o)
}

// OpenContext is Open that stops when ctx is done: reading an image checks
// ctx at every tar entry and every read, and the FS it returns checks it in
// Walk. A cancelled open removes its temporary files and returns ctx's error
// (not bad input: the input was not at fault).
func OpenContext(ctx context.Context, spec string, o Options) (t *Target, err error) {
	if spec == "" {
		return nil, Error(spec, errors.New("no target given"))
	}
	o.Limits = o.Limits.withDefaults()
	t = &Target{Spec: spec}
	defer func() {
		if r := recover(); r != nil {
			// A reader must not take the checker down with a corrupt input.
			err = fmt.Errorf("malformed input: %v", r)
		}
		if err != nil {
			t.Close()
			t = nil
			var ie *rpmspec.InputError
			if ctx.Err() != nil {
				err = ctx.Err()
			} else if !errors.As(err, &ie) || !strings.HasPrefix(ie.Msg, "target ") {
				err = Error(spec, err)
			}
		}
	}()
	transport, rest, hasTransport := strings.Cut(spec, ":")
	if !hasTransport || strings.Contains(transport, "/") {
		return t, t.openPath(ctx, spec, o)
	}
	if transport == "tree" {
		transport = "dir" // the older spelling
	}
	for _, f := range forms() {
		if f.transport == transport {
			return t, f.open(ctx, t, rest, o)
		}
	}
	var names []string
	for _, f := range forms() {
		names = append(names, f.transport+":")
	}
	return t, fmt.Errorf("unknown transport %q (want a path, or one of %s)", transport, strings.Join(names, ", "))
}

// openPath opens a target named by its path alone, recognising its form.
func (t *Target) openPath(ctx context.Context, p string, o Options) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if !fi.IsDir() && !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is %s, not a directory or an archive file", p, typeName(fi.Mode()))
	}
	for _, f := range forms() {
		if f.detect != nil && f.detect(p, fi) {
			return f.open(ctx, t, p, o)
		}
	}
	if fi.Mode().IsRegular() {
		return t.openArchiveAuto(ctx, p, o)
	}
	return t.openTree(ctx, p)
}

// openImage flattens an image read by read, in a fresh work directory.
func (t *Target) openImage(ctx context.Context, k Kind, o Options, read func() (*imageSpec, error)) error {
	t.Kind = k
	img, err := read()
	if err != nil {
		return err
	}
	if err = t.makeWorkDir(o.TempDir); err != nil {
		return err
	}
	fsys, err := flattenImage(ctx, img, t.workDir, o.Limits, o.Progress)
	if err != nil {
		return err
	}
	t.FS, t.Arch, t.Digest = fsys, img.arch, img.digest
	if isBootc(img.labels) {
		t.Bootc = true
		t.Notes = append(t.Notes, "a bootc image (its config labels "+bootcLabel(img.labels)+"): /etc is the image's /etc (or /usr/etc), the kernel arguments are /usr/lib/bootc/kargs.d's")
		if t.FS, err = bootcLayout(fsys, &t.Notes); err != nil {
			return err
		}
	}
	return nil
}

func (t *Target) openTree(ctx context.Context, dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return errors.New("not a directory")
	}
	t.Kind = KindTree
	d, err := openDir(ctx, dir)
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
	if t.workDir != "" {
		if rerr := t.removeWorkDir(); rerr != nil && err == nil {
			err = rerr
		}
	}
	return err
}
