package rootfs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/qm-build/qm-build/rpmspec"
)

// A tree is written in three phases, so that bad input leaves it exactly as
// it was and nothing is ever half there:
//
//  1. validate (validate.go's checks of the tree, read-only): the manifest of
//     the last run, every path of the plan and every parent directory
//     (symlinks out of the tree, a file where a directory must go, owners in
//     the tree's /etc/passwd), and which paths of the last run the plan no
//     longer has. Every problem is reported at once, and nothing is written.
//  2. stage (commitstage.go): every file and symlink is written, with its
//     owner and mode, into a hidden staging directory at the top of the tree
//     (one per file system the plan reaches), and missing directories are
//     created. A failure removes all of it and restores the times and modes
//     of the directories it changed.
//  3. commit: renames only: the manifest (listing what this run may leave
//     behind), each file into place, the removal of the last run's paths the
//     plan no longer has, the final modes of directories, the final manifest
//     and the times.
//
// A run killed in phase 2 leaves a staging directory the next run removes; a
// run killed in phase 3 leaves whole files, old or new, and a manifest that
// lists both, so that the next run finishes the job.

// Add records f to be written by Commit; nothing is written before. A later
// Add of the same path replaces the earlier one (a stage's file over a
// package's). A %ghost file is not written (it is owned, not shipped) unless
// it is a directory.
func (t *Tree) Add(f rpmspec.File) error {
	if f.Flags&rpmspec.FlagGhost != 0 && f.Kind != rpmspec.KindDir {
		return nil
	}
	r, err := rel(f.Path)
	if err != nil {
		return fmt.Errorf("adding %s: %w", f.Path, err)
	}
	if "/"+r == ManifestPath {
		return fmt.Errorf("adding %s: the path of qm-build's own manifest", f.Path)
	}
	if t.pending == nil {
		t.pending = map[string]rpmspec.File{}
	}
	t.pending[r] = f
	return nil
}

// Committed is what Commit did besides writing the plan's paths.
type Committed struct {
	// Removed are the paths an earlier run created that this plan no longer
	// has, removed.
	Removed []string
	// Kept are such paths left in place: changed since qm-build wrote them,
	// or a directory that is not empty. They are no longer in the manifest.
	Kept []string
}

// Commit writes everything Add recorded into the tree, and removes what an
// earlier run created that this plan no longer has (ManifestPath lists it):
// validate, stage, commit, as described above. Bad input (the tree cannot
// take the plan) is a *TreeError and leaves the tree as it was; so does any
// failure before the first rename, and a cancelled ctx.
func (t *Tree) Commit(ctx context.Context) (*Committed, error) {
	unlock, err := t.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	old, err := t.readManifest()
	if err != nil {
		return nil, err
	}
	v, err := t.validate(ctx, old)
	if err != nil {
		return nil, err
	}
	s := &staging{t: t, v: v, areas: map[string]string{}}
	defer s.removeAreas()
	if err := s.stage(ctx); err != nil {
		s.rollback()
		return nil, err
	}
	res, err := s.commit()
	if err != nil {
		return nil, fmt.Errorf("writing %s (the tree is partly updated; run again to finish): %w", t.dir, err)
	}
	t.pending = nil
	return res, nil
}

// lock takes an exclusive flock(2) on the tree's root for the length of a
// commit: two runs must not sweep each other's staging directories.
func (t *Tree) lock() (func(), error) {
	f, err := t.root.Open(".")
	if err != nil {
		return nil, &TreeError{Dir: t.dir, Err: err}
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &TreeError{Dir: t.dir, Err: errors.New("another qm-build run is writing this tree")}
		}
		return nil, &TreeError{Dir: t.dir, Err: fmt.Errorf("locking: %w", err)}
	}
	return func() { f.Close() }, nil
}

// dirInfo is what validation found of a directory the plan writes into.
type dirInfo struct {
	exists bool
	mode   fs.FileMode
	atime  time.Time
	mtime  time.Time
	dev    uint64
	// top is the highest directory on dev along the path (the tree's root,
	// or a mount point inside it): where the staging directory for files on
	// dev goes, so that every rename stays on one file system.
	top string
	err error
}

// item is one path of the plan, as validation found it.
type item struct {
	rel    string
	f      rpmspec.File
	exists bool
	status byte
	uid    int
	gid    int
	top    string // the staging area's top directory
	staged string // name in the staging area, for files and symlinks
}

// txn is a validated plan: what the stage and commit phases do.
type txn struct {
	items []*item // sorted by path
	// dirs are every directory looked at, by root-relative path ("." is the
	// root).
	dirs map[string]*dirInfo
	// create are the directories to make, parents first.
	create []string
	// implicit are the directories the plan needs but does not declare.
	implicit map[string]bool
	// stale are paths of the last run to remove; kept are those left.
	stale []manifestEntry
	kept  []string
	// union lists everything this run may leave (written before the first
	// rename); final is the manifest once done.
	union, final []byte
	manifest     *item
}

// validate checks the tree against the plan, reading only. Every problem is
// collected into one *TreeError.
func (t *Tree) validate(ctx context.Context, old map[string]manifestEntry) (*txn, error) {
	v := &txn{dirs: map[string]*dirInfo{}, implicit: map[string]bool{}}
	var errs []error
	seen := map[string]bool{}
	fail := func(err error) {
		if err != nil && !seen[err.Error()] {
			seen[err.Error()] = true
			errs = append(errs, err)
		}
	}
	rels := make([]string, 0, len(t.pending))
	for r := range t.pending {
		rels = append(rels, r)
	}
	sort.Strings(rels)
	for _, r := range rels {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		it, err := t.checkItem(v, r, t.pending[r], old)
		fail(err)
		if it != nil {
			v.items = append(v.items, it)
		}
	}
	mr := strings.TrimPrefix(ManifestPath, "/")
	m, err := t.checkItem(v, mr, rpmspec.File{Path: ManifestPath, Kind: rpmspec.KindFile, Mode: 0o644}, nil)
	fail(err)
	v.manifest = m
	planned := map[string]bool{}
	for _, it := range v.items {
		planned[it.rel] = true
	}
	for _, r := range append(rels, mr) {
		for d := path.Dir(r); d != "."; d = path.Dir(d) {
			if !planned[d] {
				v.implicit[d] = true
			}
		}
	}
	for d, di := range v.dirs {
		if d != "." && di.err == nil && !di.exists {
			v.create = append(v.create, d)
		}
	}
	for _, it := range v.items {
		if it.f.Kind == rpmspec.KindDir && !it.exists && v.dirs[it.rel] == nil {
			v.create = append(v.create, it.rel)
		}
	}
	sort.Strings(v.create)
	fail(t.checkStale(v, old, planned))
	if len(errs) > 0 {
		return nil, &TreeError{Dir: t.dir, Err: errors.Join(errs...)}
	}
	v.union, v.final = v.manifests(old)
	return v, nil
}

// checkItem looks at one path of the plan and its parents.
func (t *Tree) checkItem(v *txn, r string, f rpmspec.File, old map[string]manifestEntry) (*item, error) {
	parent, err := t.lookDir(v, path.Dir(r))
	if err != nil {
		return nil, err
	}
	it := &item{rel: r, f: f, status: statusCreated, top: parent.top}
	if parent.exists {
		fi, err := t.root.Lstat(r)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return nil, pathErr(r, err)
		case f.Kind == rpmspec.KindDir && !fi.IsDir():
			return nil, fmt.Errorf("/%s: exists and is not a directory (%s)", r, typeName(fi.Mode()))
		case f.Kind != rpmspec.KindDir && fi.IsDir():
			return nil, fmt.Errorf("/%s: exists and is a directory", r)
		default:
			it.exists = true
			it.status = statusFound
			if e, ok := old[r]; ok {
				it.status = e.Status
			}
		}
	}
	if t.chown {
		if it.uid, it.gid, err = t.lookupIDs(f.OwnerName(), f.GroupName()); err != nil {
			return nil, fmt.Errorf("/%s: %w", r, err)
		}
	}
	return it, nil
}

// lookDir stats a directory the plan writes into (following symlinks inside
// the tree, as every write does), and its parents first.
func (t *Tree) lookDir(v *txn, d string) (*dirInfo, error) {
	if di, ok := v.dirs[d]; ok {
		return di, di.err
	}
	di := &dirInfo{top: "."}
	var parent *dirInfo
	if d != "." {
		var err error
		if parent, err = t.lookDir(v, path.Dir(d)); err != nil {
			return nil, err
		}
		di.dev, di.top = parent.dev, parent.top
		if !parent.exists {
			v.dirs[d] = di
			return di, nil
		}
	}
	fi, err := t.root.Stat(d)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		di.err = pathErr(d, err)
	case !fi.IsDir():
		di.err = fmt.Errorf("/%s: exists and is not a directory (%s)", d, typeName(fi.Mode()))
	default:
		di.exists, di.mode = true, fi.Mode()
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			di.dev = uint64(st.Dev)
			di.atime = time.Unix(st.Atim.Unix())
			di.mtime = time.Unix(st.Mtim.Unix())
		}
		if parent != nil && parent.dev != di.dev {
			di.top = d
		}
	}
	v.dirs[d] = di
	return di, di.err
}

// checkStale decides what happens to each path the last run created that
// the plan no longer has: removed when it is still what qm-build wrote (and,
// for a directory, empty by then), kept otherwise.
func (t *Tree) checkStale(v *txn, old map[string]manifestEntry, planned map[string]bool) error {
	rels := make([]string, 0, len(old))
	for r := range old {
		rels = append(rels, r)
	}
	sort.Strings(rels)
	for _, r := range rels {
		e := old[r]
		if planned[r] || v.implicit[r] || e.Status != statusCreated {
			continue
		}
		if !t.stillOurs(e) {
			if _, err := t.root.Lstat(r); err == nil {
				v.kept = append(v.kept, "/"+r)
			}
			continue
		}
		// The parent exists (the path does): its mode and time matter.
		if _, err := t.lookDir(v, path.Dir(r)); err != nil {
			return err
		}
		v.stale = append(v.stale, e)
	}
	return nil
}

// stillOurs reports whether the path is what the manifest says qm-build
// wrote there.
func (t *Tree) stillOurs(e manifestEntry) bool {
	fi, err := t.root.Lstat(e.Rel)
	if err != nil {
		return false
	}
	switch e.Kind {
	case rpmspec.KindDir:
		return fi.IsDir()
	case rpmspec.KindSymlink:
		if fi.Mode()&fs.ModeSymlink == 0 {
			return false
		}
		target, err := t.root.Readlink(e.Rel)
		return err == nil && digestMatches(e.Digest, []byte(target))
	}
	if !fi.Mode().IsRegular() {
		return false
	}
	data, err := readRegular(t.root, e.Rel, maxManifest)
	return err == nil && digestMatches(e.Digest, data)
}

// digestMatches reports whether data has one of the digests (a union
// manifest may list the old and the new one).
func digestMatches(digests string, data []byte) bool {
	d := digestOf(data)
	for _, w := range strings.Split(digests, ",") {
		if w == d {
			return true
		}
	}
	return false
}

// manifests renders the union manifest (every path this run may leave: the
// plan's and the stale ones still to remove, with both digests where a file
// changes) and the final one.
func (v *txn) manifests(old map[string]manifestEntry) (union, final []byte) {
	var fin, uni []manifestEntry
	for _, it := range v.items {
		e := manifestEntry{Status: it.status, Kind: it.f.Kind, Digest: entryDigest(it.f), Rel: it.rel}
		fin = append(fin, e)
		if o, ok := old[it.rel]; ok && o.Kind == e.Kind && o.Digest != e.Digest {
			e.Digest = o.Digest + "," + e.Digest
		}
		uni = append(uni, e)
	}
	for d := range v.implicit {
		di := v.dirs[d]
		var e manifestEntry
		switch o, ok := old[d]; {
		case di != nil && !di.exists:
			e = manifestEntry{Status: statusCreated, Kind: rpmspec.KindDir, Digest: "-", Rel: d}
		case ok && o.Kind == rpmspec.KindDir:
			e = o
		default:
			continue
		}
		fin = append(fin, e)
		uni = append(uni, e)
	}
	uni = append(uni, v.stale...)
	return encodeManifest(uni), encodeManifest(fin)
}

// pathErr names an image path in an error from the tree, and explains
// os.Root's refusal to follow a symlink out of it (its error, "path escapes
// from parent", is not exported).
func pathErr(r string, err error) error {
	if strings.Contains(err.Error(), "path escapes from parent") {
		return fmt.Errorf("/%s: %w (a symlink in the tree points outside it; qm-build writes only inside the tree)", r, err)
	}
	return fmt.Errorf("/%s: %w", r, err)
}

func typeName(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symlink"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m.IsRegular():
		return "a regular file"
	}
	return m.Type().String()
}
