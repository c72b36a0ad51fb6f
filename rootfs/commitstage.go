package rootfs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strconv"
	"syscall"

	"github.com/qm-build/qm-build/rootfs/atomic"
	"github.com/qm-build/qm-build/rpmspec"
)

// stagingName is the base name of the staging directories (atomic.TempName
// of it, so that a later run recognises one a killed run left).
const stagingName = "qm-build-staging"

// staging carries a validated plan through the stage and commit phases.
type staging struct {
	t *Tree
	v *txn
	// areas maps a top directory (txn's dirInfo.top) to its staging
	// directory.
	areas map[string]string
	// made are the directories created, parents first.
	made []string
	// opened are existing directories made writable for their owner (only
	// without root, for 0555 directories), with their modes before.
	opened []dirMode
	// union and final are the staged manifests.
	union, final string
	seq          int
}

type dirMode struct {
	rel  string
	mode fs.FileMode
}

// stage writes every file and symlink into the staging areas and creates
// the missing directories. Nothing it does is visible at a path of the plan.
func (s *staging) stage(ctx context.Context) error {
	root := s.t.root
	if err := s.openDirs(); err != nil {
		return err
	}
	for _, it := range append(s.v.items, s.v.manifest) {
		if it.f.Kind == rpmspec.KindDir || s.areas[it.top] != "" {
			continue
		}
		a := path.Join(it.top, atomic.TempName(stagingName))
		if err := root.Mkdir(a, 0o700); err != nil {
			return fmt.Errorf("creating a staging directory: %w", err)
		}
		s.areas[it.top] = a
	}
	for _, d := range s.v.create {
		if err := root.Mkdir(d, 0o700); err != nil {
			return fmt.Errorf("creating /%s: %w", d, err)
		}
		s.made = append(s.made, d)
	}
	for _, it := range s.v.items {
		if err := ctx.Err(); err != nil {
			return err
		}
		if it.f.Kind == rpmspec.KindDir {
			continue
		}
		if err := s.stageItem(it); err != nil {
			return fmt.Errorf("writing %s: %w", it.f.Path, err)
		}
	}
	var err error
	if s.union, err = s.stageFile(s.v.manifest, s.v.union); err != nil {
		return fmt.Errorf("writing %s: %w", ManifestPath, err)
	}
	if s.final, err = s.stageFile(s.v.manifest, s.v.final); err != nil {
		return fmt.Errorf("writing %s: %w", ManifestPath, err)
	}
	return nil
}

// openDirs makes the existing directories this run adds entries to or
// removes entries from writable for their owner, when not running as root
// (root needs no permission bits).
func (s *staging) openDirs() error {
	if s.t.chown {
		return nil
	}
	need := map[string]bool{}
	for _, it := range append(s.v.items, s.v.manifest) {
		need[path.Dir(it.rel)] = true
		need[it.top] = true
	}
	for _, d := range s.v.create {
		need[path.Dir(d)] = true
	}
	for _, e := range s.v.stale {
		need[path.Dir(e.Rel)] = true
	}
	dirs := make([]string, 0, len(need))
	for d := range need {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	for _, d := range dirs {
		di := s.v.dirs[d]
		if di == nil || !di.exists || di.mode&0o300 == 0o300 {
			continue
		}
		if err := s.t.root.Chmod(d, di.mode.Perm()|0o700|modeSpecial(di.mode)); err != nil {
			return fmt.Errorf("making /%s writable: %w", d, err)
		}
		s.opened = append(s.opened, dirMode{rel: d, mode: di.mode})
	}
	return nil
}

// modeSpecial keeps setuid, setgid and sticky bits for os.Chmod.
func modeSpecial(m fs.FileMode) fs.FileMode {
	return m & (fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
}

// stageItem writes one file or symlink into its staging area, with its owner
// and mode (the time comes last, in commit).
func (s *staging) stageItem(it *item) error {
	if it.f.Kind == rpmspec.KindSymlink {
		it.staged = s.next(it.top)
		if err := s.t.root.Symlink(it.f.Target, it.staged); err != nil {
			return err
		}
		if s.t.chown {
			return s.t.root.Lchown(it.staged, it.uid, it.gid)
		}
		return nil
	}
	var err error
	it.staged, err = s.stageFile(it, it.f.Body)
	return err
}

// stageFile writes body as a new file in it's staging area and returns its
// name. Owner before mode: chown(2) clears setuid and setgid bits.
func (s *staging) stageFile(it *item, body []byte) (string, error) {
	name := s.next(it.top)
	fh, err := s.t.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	err = writeAndClose(fh, body, it.f.Mode, func() (int, int, bool, error) { return it.uid, it.gid, s.t.chown, nil })
	return name, err
}

// next names the next file of the staging area under top.
func (s *staging) next(top string) string {
	s.seq++
	return path.Join(s.areas[top], strconv.Itoa(s.seq))
}

// rollback undoes the stage phase: the staging areas, the directories it
// made, and the modes and times of the directories it changed.
func (s *staging) rollback() {
	root := s.t.root
	s.removeAreas()
	for i := len(s.made) - 1; i >= 0; i-- {
		_ = root.Remove(s.made[i])
	}
	for i := len(s.opened) - 1; i >= 0; i-- {
		_ = root.Chmod(s.opened[i].rel, s.opened[i].mode.Perm()|modeSpecial(s.opened[i].mode))
	}
	for d, di := range s.v.dirs {
		if di.exists {
			_ = root.Chtimes(d, di.atime, di.mtime)
		}
	}
}

// removeAreas removes the staging directories (empty after a commit).
func (s *staging) removeAreas() {
	for top, a := range s.areas {
		_ = atomic.RemoveTree(s.t.root, a)
		delete(s.areas, top)
	}
}

// commit moves everything into place. Each step is a rename, a removal, a
// chmod or a chown, none of which a file system refuses for want of space.
func (s *staging) commit() (*Committed, error) {
	root := s.t.root
	mr := s.v.manifest.rel
	if err := s.sweep(); err != nil {
		return nil, err
	}
	if err := root.Rename(s.union, mr); err != nil {
		return nil, fmt.Errorf("moving %s into place: %w", ManifestPath, err)
	}
	for _, it := range s.v.items {
		if it.staged == "" {
			continue
		}
		if err := root.Rename(it.staged, it.rel); err != nil {
			return nil, fmt.Errorf("moving %s into place: %w", it.f.Path, err)
		}
	}
	res, gone, err := s.removeStale()
	if err != nil {
		return nil, err
	}
	if err := s.finishDirs(); err != nil {
		return nil, err
	}
	if err := root.Rename(s.final, mr); err != nil {
		return nil, fmt.Errorf("moving %s into place: %w", ManifestPath, err)
	}
	s.removeAreas()
	return res, s.setTimes(gone)
}

// sweep removes what killed runs left in the directories this run writes
// into: staging directories (at each top) and temporary files (beside the
// plan's paths), recognised by atomic.IsTemp's exact form only.
func (s *staging) sweep() error {
	mine := map[string]bool{}
	for _, a := range s.areas {
		mine[a] = true
	}
	dirs := map[string]bool{}
	for _, it := range append(s.v.items, s.v.manifest) {
		dirs[path.Dir(it.rel)] = true
		dirs[it.top] = true
	}
	for _, e := range s.v.stale {
		dirs[path.Dir(e.Rel)] = true
	}
	for d := range dirs {
		if di := s.v.dirs[d]; di == nil || !di.exists {
			continue
		}
		entries, err := fs.ReadDir(s.t.root.FS(), d)
		if err != nil {
			return fmt.Errorf("reading /%s: %w", d, err)
		}
		for _, e := range entries {
			p := path.Join(d, e.Name())
			switch {
			case mine[p] || !atomic.IsTemp(e.Name()):
			case e.IsDir() && atomic.IsTempOf(e.Name(), stagingName):
				err = atomic.RemoveTree(s.t.root, p)
			case !e.IsDir():
				err = s.t.root.Remove(p)
			}
			if err != nil {
				return fmt.Errorf("removing /%s, left by an earlier run: %w", p, err)
			}
		}
	}
	return nil
}

// removeStale removes the last run's paths the plan no longer has: files
// and symlinks, then directories deepest first when empty.
func (s *staging) removeStale() (*Committed, map[string]bool, error) {
	res := &Committed{Kept: append([]string(nil), s.v.kept...)}
	gone := map[string]bool{}
	stale := append([]manifestEntry(nil), s.v.stale...)
	sort.Slice(stale, func(i, j int) bool { return stale[i].Rel > stale[j].Rel })
	for _, dirs := range []bool{false, true} {
		for _, e := range stale {
			if (e.Kind == rpmspec.KindDir) != dirs {
				continue
			}
			err := s.t.root.Remove(e.Rel)
			switch {
			case err == nil, errors.Is(err, fs.ErrNotExist):
				res.Removed = append(res.Removed, "/"+e.Rel)
				gone[e.Rel] = true
			case dirs && isNotEmpty(err):
				res.Kept = append(res.Kept, "/"+e.Rel)
			default:
				return nil, nil, fmt.Errorf("removing /%s: %w", e.Rel, err)
			}
		}
	}
	sort.Strings(res.Removed)
	sort.Strings(res.Kept)
	return res, gone, nil
}

// isNotEmpty reports rmdir(2)'s refusal of a directory with entries.
func isNotEmpty(err error) bool {
	return errors.Is(err, syscall.ENOTEMPTY) || errors.Is(err, syscall.EEXIST)
}

// finishDirs gives every directory its final owner and mode, deepest first:
// the plan's directories theirs, the ones made for them 0755, and the others
// made writable their modes back.
func (s *staging) finishDirs() error {
	root := s.t.root
	final := map[string]fs.FileMode{}
	for _, o := range s.opened {
		final[o.rel] = o.mode.Perm() | modeSpecial(o.mode)
	}
	for _, d := range s.made {
		final[d] = 0o755
	}
	owners := map[string]*item{}
	for _, it := range s.v.items {
		if it.f.Kind == rpmspec.KindDir {
			final[it.rel] = it.f.Mode
			owners[it.rel] = it
		}
	}
	dirs := make([]string, 0, len(final))
	for d := range final {
		dirs = append(dirs, d)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(dirs)))
	for _, d := range dirs {
		if it := owners[d]; it != nil && s.t.chown {
			if err := root.Chown(d, it.uid, it.gid); err != nil {
				return fmt.Errorf("setting the owner of /%s: %w", d, err)
			}
		}
		if err := root.Chmod(d, final[d]); err != nil {
			return fmt.Errorf("setting the mode of /%s: %w", d, err)
		}
	}
	return nil
}

// setTimes gives every path written, every directory written into (up to
// the tree's root) and the manifest the epoch, symlinks included; without
// an epoch it does nothing.
func (s *staging) setTimes(gone map[string]bool) error {
	if s.t.epoch.IsZero() {
		return nil
	}
	names := []string{s.v.manifest.rel}
	for _, it := range s.v.items {
		names = append(names, it.rel)
	}
	made := map[string]bool{}
	for _, d := range s.made {
		made[d] = true
	}
	for d, di := range s.v.dirs {
		if di.err == nil && !gone[d] && (di.exists || made[d]) {
			names = append(names, d)
		}
	}
	sort.Strings(names)
	return atomic.SetTimes(s.t.root, s.t.epoch, names...)
}
