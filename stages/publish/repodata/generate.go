package repodata

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/qm-build/qm-build/rpmspec"
)

// DefaultChangelogLimit is createrepo_c's default --changelog-limit.
const DefaultChangelogLimit = 10

// Dir is the metadata directory inside a repository.
const Dir = "repodata"

// Signer signs repomd.xml. *sign.Key (rpmspec/sign) implements it.
type Signer interface {
	// ArmoredDetachSign returns an ASCII-armored detached signature of data.
	ArmoredDetachSign(data []byte) ([]byte, error)
	// PublicKeyArmored returns the armored public key, for gpgkey=.
	PublicKeyArmored() ([]byte, error)
}

// Options configure Generate. Time comes in as data: library code never reads
// the clock.
type Options struct {
	// Time is the revision (unless Revision is set) and the timestamp of each
	// metadata file: SOURCE_DATE_EPOCH when set, otherwise the caller's clock.
	// The zero time means the newest package file time, which keeps the
	// output a function of the RPMs alone.
	Time time.Time
	// Revision overrides the revision (createrepo_c --revision).
	Revision string
	// Epoch, when set (SOURCE_DATE_EPOCH), clamps the file times recorded for
	// packages (time file=) to it, so that the same RPMs give byte-identical
	// repodata whatever their copies' modification times.
	Epoch time.Time
	// Update reuses the entries of the existing repodata for files whose
	// location, size and modification time are unchanged, reads only the
	// others, and drops entries of deleted files (createrepo_c --update).
	Update bool
	// ChangelogLimit is the number of changelog entries kept per package:
	// 0 means DefaultChangelogLimit, negative keeps all.
	ChangelogLimit int
	// Workers read RPMs in parallel; 0 means twice GOMAXPROCS, at least 4.
	Workers int
	// Signer, when set, writes repodata/repomd.xml.asc and exports the public
	// key as repodata/repomd.xml.key.
	Signer Signer
	// KeepUnchanged, with Update, leaves the repodata alone when it already
	// describes exactly these files (and is signed by Signer, if set), so
	// that publishing again changes nothing, not even the revision.
	KeepUnchanged bool
	// Log receives notes (a fallback from update mode); nil discards them.
	Log io.Writer
}

// Result is what Generate did.
type Result struct {
	// Packages are sorted by location. Entries that update mode copied
	// verbatim from the old metadata carry only their identity: location,
	// size, file time, checksum, name, epoch, version, release and arch.
	Packages []*Package
	Read     int // RPMs read from disk
	Reused   int // entries reused in update mode
	Repomd   *Repomd
	// Unchanged is set when KeepUnchanged left the repodata as it was.
	Unchanged bool
	// Files are the files written, relative to the repository root.
	Files []string
}

func (o *Options) changelogLimit() int {
	if o.ChangelogLimit == 0 {
		return DefaultChangelogLimit
	}
	return o.ChangelogLimit
}

func (o *Options) workers() int {
	if o.Workers > 0 {
		return o.Workers
	}
	// Reading is part I/O: more readers than CPUs keep the CPUs busy
	// (createrepo_c runs 5 worker threads by default).
	return max(4, 2*runtime.GOMAXPROCS(0))
}

func (o *Options) modTime(t time.Time) int64 {
	if !o.Epoch.IsZero() && t.After(o.Epoch) {
		return o.Epoch.Unix()
	}
	return t.Unix()
}

// Generate writes repodata/ for every *.rpm under the repository root (hidden
// entries and repodata/ itself skipped). Unreadable RPMs are reported all at
// once, each naming its file; nothing is written then.
func Generate(ctx context.Context, root *os.Root, o Options) (*Result, error) {
	// The old metadata is read while the directory is scanned: one is
	// mostly decompression, the other system calls.
	var (
		existing *Existing
		loadErr  error
		wg       sync.WaitGroup
	)
	if o.Update {
		wg.Go(func() { existing, loadErr = loadExisting(root, true) })
	}
	files, err := ScanRPMs(root)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	res := &Result{}
	var old map[string]*Package
	if o.Update {
		if loadErr != nil {
			if !errors.Is(loadErr, fs.ErrNotExist) {
				o.logf("note: not reusing the existing repodata (%v); reading every package\n", loadErr)
			}
			existing = nil
		} else {
			old = existing.Packages
		}
	}
	pkgs := make([]*Package, len(files))
	var todo []int
	for i, f := range files {
		f.ModTime = o.modTime(time.Unix(f.ModTime, 0))
		files[i] = f
		if p := old[f.Location]; p != nil && p.PackageSize == f.Size && p.FileTime == f.ModTime {
			pkgs[i] = p
			res.Reused++
			continue
		}
		todo = append(todo, i)
	}
	if err := readAll(ctx, root, files, todo, pkgs, &o); err != nil {
		return nil, err
	}
	res.Read = len(todo)
	if err := CheckDuplicates(pkgs); err != nil {
		return nil, err
	}
	res.Packages = pkgs
	if o.Time.IsZero() {
		var newest int64
		for _, p := range pkgs {
			newest = max(newest, p.FileTime)
		}
		o.Time = time.Unix(newest, 0)
	}
	if o.KeepUnchanged && existing != nil && res.Read == 0 && len(old) == len(files) && signedAlready(root, o.Signer) {
		res.Repomd, res.Unchanged = existing.Repomd, true
		return res, nil
	}
	md, written, err := Write(root, pkgs, o)
	if err != nil {
		return nil, err
	}
	res.Repomd, res.Files = md, written
	return res, nil
}

func (o *Options) logf(format string, args ...any) {
	if o.Log != nil {
		fmt.Fprintf(o.Log, format, args...)
	}
}

// ScanRPMs lists the *.rpm files under root, sorted by location.
func ScanRPMs(root *os.Root) ([]File, error) {
	var out []File
	err := fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		base := path.Base(p)
		if p != "." && strings.HasPrefix(base, ".") || p == Dir {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || !strings.HasSuffix(base, ".rpm") {
			return nil
		}
		// Inside a root, ReadDir has already lstat'ed each entry; only a
		// symlink needs a Stat, which follows it inside the root only.
		fi, err := d.Info()
		if err == nil && d.Type()&fs.ModeSymlink != 0 {
			fi, err = root.Stat(p)
		}
		if err != nil {
			return fmt.Errorf("reading %s: %w", p, err)
		}
		if !fi.Mode().IsRegular() {
			return rpmspec.FileError(p, fmt.Errorf("%w: not a regular file", ErrNotRPM))
		}
		out = append(out, File{Location: p, Size: fi.Size(), ModTime: fi.ModTime().Unix()})
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Location < out[j].Location })
	return out, nil
}

// readAll reads files[todo] into pkgs with a pool of workers, and reports
// every unreadable file at once.
func readAll(ctx context.Context, root *os.Root, files []File, todo []int, pkgs []*Package, o *Options) error {
	errs := make([]error, len(files))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(o.workers(), max(len(todo), 1)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rr := newRPMReader()
			for i := range next {
				pkgs[i], errs[i] = readOne(rr, root, files[i], o.changelogLimit())
			}
		}()
	}
	for _, i := range todo {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	return joinErrors(errs)
}

func readOne(rr *rpmReader, root *os.Root, f File, limit int) (*Package, error) {
	fh, err := root.Open(f.Location)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", f.Location, err)
	}
	defer fh.Close()
	return rr.read(fh, f, limit)
}

// joinErrors joins the problems found together (errors.Join); the result is
// bad input when every one of them is (rpmspec.IsBadInput).
func joinErrors(errs []error) error {
	errs = slices.DeleteFunc(errs, func(e error) bool { return e == nil })
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}

// DuplicateError is two files with the same NEVRA and different content:
// bad input naming the second file.
func DuplicateError(nevra, a, b string) error {
	return &rpmspec.InputError{File: b, Msg: fmt.Sprintf("same package %s as %s, with different content", nevra, a)}
}

// CheckDuplicates refuses two packages with the same NEVRA and different
// checksums: dnf could not tell which one it installs. Identical copies are
// allowed.
func CheckDuplicates(pkgs []*Package) error {
	seen := map[string]*Package{}
	var errs []error
	for _, p := range pkgs {
		key := p.NEVRA()
		if q, ok := seen[key]; ok && q.PkgID != p.PkgID {
			errs = append(errs, DuplicateError(key, q.Location, p.Location))
			continue
		}
		seen[key] = p
	}
	return joinErrors(errs)
}

// revision is --revision, or the time's Unix seconds.
func (o *Options) revision() string {
	if o.Revision != "" {
		return o.Revision
	}
	return strconv.FormatInt(o.Time.Unix(), 10)
}

// signedAlready reports whether the repodata's signature state matches s:
// no signer needed, or repomd.xml.asc present and repomd.xml.key holding s's
// public key.
func signedAlready(root *os.Root, s Signer) bool {
	if s == nil {
		return true
	}
	if _, err := root.Stat(path.Join(Dir, "repomd.xml.asc")); err != nil {
		return false
	}
	have, err := root.ReadFile(path.Join(Dir, "repomd.xml.key"))
	if err != nil {
		return false
	}
	want, err := s.PublicKeyArmored()
	return err == nil && string(have) == string(want)
}
