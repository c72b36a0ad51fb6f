// Package mirror publishes RPMs into the CentOS Automotive SIG mirror layout:
//
//	ROOT/<release>/automotive/<arch>/packages-main/Packages/<first letter>/<N-V-R.A>.rpm
//	ROOT/<release>/automotive/<arch>/packages-main/repodata/
//
// noarch packages go to every arch, arch packages to their own; each arch's
// packages-main is a yum repository of its own. Publishing is additive (a
// mirror keeps older releases) and idempotent: a package already published
// with the same header and payload is left alone, and repodata that would
// not change is not rewritten. A package published earlier with another
// header or payload under the same file name is refused: the release must be
// bumped, since clients may have cached the old one.
//
// Nothing partial is ever visible: each RPM is written beside its target and
// renamed into place, every RPM is in place before any repodata changes, and
// repodata is replaced as a whole (repodata.Commit) with repomd.xml written
// last. An interrupted publish therefore leaves the old repodata, which points
// only at files that exist; the next publish completes it.
package mirror

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/stages/publish/repodata"
	"github.com/qm-build/qm-build/stages/publish/rpmsign"
)

// Signer signs RPMs and repodata; *sign.Key (rpmspec/sign) implements it.
type Signer interface {
	rpmsign.Signer
	repodata.Signer
	KeyID() string
}

// Options configure Publish.
type Options struct {
	Release string   // e.g. 9-stream
	Arches  []string // e.g. x86_64, aarch64
	// Signer, when set, signs every RPM that is not already signed by it and
	// every arch's repomd.xml, and exports the public key beside it.
	Signer Signer
	// Time and Epoch are repodata.Options' (SOURCE_DATE_EPOCH, or the clock).
	Time, Epoch time.Time
	// Placed, when set, is called after each RPM is in place (progress; tests
	// use it to interrupt a publish between two files).
	Placed func(rel string)
	// Log receives notes; nil discards them.
	Log io.Writer
}

// Input is one RPM to publish, read from outside the mirror.
type Input struct {
	Path string // for errors
	Data []byte
}

// Result says what Publish did, per arch.
type Result struct {
	Repos []Repo `json:"repos"`
}

// Repo is one arch's repository.
type Repo struct {
	Arch      string   `json:"arch"`
	Dir       string   `json:"dir"`       // relative to ROOT
	Added     []string `json:"added"`     // RPMs written, relative to ROOT
	Unchanged int      `json:"unchanged"` // RPMs already published
	Packages  int      `json:"packages"`  // packages in the repository now
	Repodata  bool     `json:"repodata_written"`
}

// pkg is one input, read and (when signing) signed.
type pkg struct {
	in       Input
	meta     *repodata.Package
	data     []byte // what goes to the mirror
	identity [32]byte
}

// Publish places the inputs into root and updates each arch's repodata.
func Publish(ctx context.Context, root *os.Root, inputs []Input, o Options) (*Result, error) {
	if err := checkOptions(o); err != nil {
		return nil, err
	}
	pkgs, err := prepare(inputs, o.Signer)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	for _, arch := range o.Arches {
		dir := RepoDir(o.Release, arch)
		if err := root.MkdirAll(path.Join(dir, "Packages"), 0o755); err != nil {
			return nil, fmt.Errorf("creating %s: %w", dir, err)
		}
		r := Repo{Arch: arch, Dir: dir}
		for _, p := range pkgs {
			if p.meta.Arch != "noarch" && p.meta.Arch != arch {
				continue
			}
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			rel := path.Join(dir, PackagePath(p.meta))
			added, err := place(root, rel, p, o.Signer)
			if err != nil {
				return nil, err
			}
			if added {
				r.Added = append(r.Added, rel)
				if o.Placed != nil {
					o.Placed(rel)
				}
			} else {
				r.Unchanged++
			}
		}
		res.Repos = append(res.Repos, r)
	}
	for _, p := range pkgs {
		if p.meta.Arch != "noarch" && !slices.Contains(o.Arches, p.meta.Arch) {
			logf(o.Log, "note: %s is %s, not one of --arch %s: not published\n", p.in.Path, p.meta.Arch, strings.Join(o.Arches, ","))
		}
	}
	for i := range res.Repos {
		if err := indexRepo(ctx, root, &res.Repos[i], o); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func logf(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format, args...)
	}
}

func checkOptions(o Options) error {
	var errs []error
	if !safeName(o.Release) {
		errs = append(errs, &rpmspec.InputError{Field: "--releasever", Msg: fmt.Sprintf("%q is not a release name such as 9-stream", o.Release)})
	}
	if len(o.Arches) == 0 {
		errs = append(errs, &rpmspec.InputError{Field: "--arch", Msg: "give at least one arch"})
	}
	for _, a := range o.Arches {
		if !safeName(a) || a == "noarch" || a == "src" {
			errs = append(errs, &rpmspec.InputError{Field: "--arch", Msg: fmt.Sprintf("%q is not a machine arch such as x86_64", a)})
		}
	}
	return errors.Join(errs...)
}

func safeName(s string) bool {
	if s == "" || s == "." || s == ".." || strings.HasPrefix(s, ".") {
		return false
	}
	for _, r := range s {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("._-+", r)) {
			return false
		}
	}
	return true
}

// RepoDir is an arch's repository directory, relative to ROOT.
func RepoDir(release, arch string) string {
	return path.Join(release, "automotive", arch, "packages-main")
}

// PackagePath is a package's place in its repository:
// Packages/<first letter of the name, lower case>/<N-V-R.A>.rpm.
func PackagePath(p *repodata.Package) string {
	first := strings.ToLower(p.Name[:1])
	return path.Join("Packages", first, fmt.Sprintf("%s-%s-%s.%s.rpm", p.Name, p.Version, p.Release, p.Arch))
}

// prepare reads and checks every input (all problems at once), signs it
// when asked, and sorts by file name.
func prepare(inputs []Input, s Signer) ([]*pkg, error) {
	var errs []error
	var out []*pkg
	for _, in := range inputs {
		m, err := repodata.ReadRPM(bytes.NewReader(in.Data), repodata.File{Location: in.Path, Size: int64(len(in.Data))}, 0)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if m.Name == "" || m.Arch == "" {
			errs = append(errs, rpmspec.FileError(in.Path, fmt.Errorf("%w: no name or arch", repodata.ErrCorrupt)))
			continue
		}
		p := &pkg{in: in, meta: m, data: in.Data, identity: sha256.Sum256(in.Data[m.HeaderStart:])}
		if s != nil {
			if p.data, err = signIfNeeded(in, s); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		out = append(out, p)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	metas := make([]*repodata.Package, len(out))
	for i, p := range out {
		metas[i] = p.meta
	}
	if err := repodata.CheckDuplicates(metas); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return PackagePath(out[i].meta) < PackagePath(out[j].meta) })
	return out, nil
}

func signIfNeeded(in Input, s Signer) ([]byte, error) {
	if signedBy(in.Data, s.KeyID()) {
		return in.Data, nil
	}
	var b bytes.Buffer
	if err := rpmsign.Sign(bytes.NewReader(in.Data), &b, s); err != nil {
		return nil, fmt.Errorf("%s: %w", in.Path, err)
	}
	return b.Bytes(), nil
}

// signedBy reports whether every OpenPGP signature of an RPM is keyID's.
func signedBy(data []byte, keyID string) bool {
	ids, err := rpmsign.KeyIDs(bytes.NewReader(data))
	if err != nil || len(ids) == 0 {
		return false
	}
	for _, id := range ids {
		if !strings.EqualFold(id, keyID) {
			return false
		}
	}
	return true
}

// ConflictError is a file name already published with another header or
// payload: bad input naming the input.
func ConflictError(input, published string) error {
	return &rpmspec.InputError{File: input, Msg: fmt.Sprintf("%s is already published with a different header or payload; bump the release instead of replacing it", published)}
}

// place writes p at rel unless the same package is there already. An
// existing copy with the same header and payload is kept, unless signing is
// asked for and it is not signed by the key.
func place(root *os.Root, rel string, p *pkg, s Signer) (bool, error) {
	old, err := root.ReadFile(rel)
	switch {
	case err == nil:
		m, rerr := repodata.ReadRPM(bytes.NewReader(old), repodata.File{Location: rel, Size: int64(len(old))}, 0)
		if rerr == nil && sha256.Sum256(old[m.HeaderStart:]) == p.identity {
			if s == nil || signedBy(old, s.KeyID()) {
				return false, nil
			}
		} else if rerr == nil {
			return false, ConflictError(p.in.Path, rel)
		}
		// A damaged published copy is replaced.
	case !errors.Is(err, os.ErrNotExist):
		return false, fmt.Errorf("reading %s: %w", rel, err)
	}
	if err := root.MkdirAll(path.Dir(rel), 0o755); err != nil {
		return false, fmt.Errorf("creating %s: %w", path.Dir(rel), err)
	}
	if err := repodata.WriteFileAtomic(root, rel, bytes.NewReader(p.data), 0o644); err != nil {
		return false, err
	}
	return true, nil
}

// indexRepo updates one arch's repodata, reusing what is unchanged.
func indexRepo(ctx context.Context, root *os.Root, r *Repo, o Options) error {
	sub, err := root.OpenRoot(r.Dir)
	if err != nil {
		return fmt.Errorf("opening %s: %w", r.Dir, err)
	}
	defer sub.Close()
	ro := repodata.Options{Time: o.Time, Epoch: o.Epoch, Update: true, KeepUnchanged: true, Log: o.Log}
	if o.Signer != nil {
		ro.Signer = o.Signer
	}
	res, err := repodata.Generate(ctx, sub, ro)
	if err != nil {
		return fmt.Errorf("indexing %s: %w", r.Dir, err)
	}
	r.Packages = len(res.Packages)
	r.Repodata = !res.Unchanged
	return nil
}
