package osbuildstage

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
)

// Metadata is the JSON object the stage writes to /run/osbuild/meta; osbuild
// keeps it with the stage's result (`osbuild --json` shows it).
type Metadata struct {
	QMBuild string   `json:"qm-build"`          // qm-build's version
	Version string   `json:"version"`           // QM version-release of the content
	Dropins []string `json:"dropins,omitempty"` // resolved drop-ins, sorted
	// Files are every path the stage wrote, sorted, as found in the tree
	// afterwards.
	Files []FileEntry `json:"files"`
	Notes []string    `json:"notes,omitempty"`
}

// FileEntry is one path in the tree.
type FileEntry struct {
	Path   string `json:"path"`             // image path, e.g. /etc/qm/containers/containers.conf
	Type   string `json:"type"`             // file, dir or symlink
	Mode   string `json:"mode"`             // permission bits in octal, e.g. "0644"
	Size   int64  `json:"size,omitempty"`   // regular files
	SHA256 string `json:"sha256,omitempty"` // regular files: hex sha256 of the contents
	Target string `json:"target,omitempty"` // symlinks
}

// Collect lists what the stages wrote: every path of the packages whose
// payload went into the tree (except %ghost files, which are owned but not
// shipped), every tree file of the stages and the tree's manifest
// (rootfs.ManifestPath), each read back from the tree.
func Collect(t *rootfs.Tree, p *rootfs.Plan, c *rootfs.Content, notes []string) (*Metadata, error) {
	md := &Metadata{Version: rpmspec.EVR(p.Version, p.Release), Dropins: p.DropinNames(), Notes: notes}
	if len(md.Dropins) == 0 {
		md.Dropins = nil
	}
	paths := map[string]bool{}
	if c != nil {
		for _, pkg := range c.Packages {
			for _, f := range pkg.Files {
				if f.Flags&rpmspec.FlagGhost != 0 && f.Kind != rpmspec.KindDir {
					continue
				}
				paths[f.Path] = true
			}
		}
		for _, f := range c.Tree {
			paths[f.Path] = true
		}
		paths[rootfs.ManifestPath] = true
	}
	names := make([]string, 0, len(paths))
	for p := range paths {
		names = append(names, p)
	}
	sort.Strings(names)
	md.Files = make([]FileEntry, 0, len(names))
	for _, name := range names {
		e, err := entry(t.Root(), name)
		if err != nil {
			return nil, err
		}
		md.Files = append(md.Files, e)
	}
	return md, nil
}

// entry describes one image path as it is in the tree.
func entry(r *os.Root, p string) (FileEntry, error) {
	rel := strings.TrimPrefix(p, "/")
	fi, err := r.Lstat(rel)
	if err != nil {
		return FileEntry{}, fmt.Errorf("reading back %s: %w", p, err)
	}
	e := FileEntry{Path: p, Mode: octalMode(fi.Mode())}
	switch {
	case fi.Mode().IsDir():
		e.Type = "dir"
	case fi.Mode()&fs.ModeSymlink != 0:
		e.Type = "symlink"
		if e.Target, err = r.Readlink(rel); err != nil {
			return FileEntry{}, fmt.Errorf("reading back %s: %w", p, err)
		}
	case fi.Mode().IsRegular():
		e.Type = "file"
		data, err := r.ReadFile(rel)
		if err != nil {
			return FileEntry{}, fmt.Errorf("reading back %s: %w", p, err)
		}
		sum := sha256.Sum256(data)
		e.Size = int64(len(data))
		e.SHA256 = hex.EncodeToString(sum[:])
	default:
		return FileEntry{}, fmt.Errorf("reading back %s: %w", p, errors.New("not a file, directory or symlink: "+fi.Mode().Type().String()))
	}
	return e, nil
}

// octalMode renders permission bits with setuid, setgid and sticky the way
// chmod(1) spells them ("4755").
func octalMode(m fs.FileMode) string {
	v := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		v |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		v |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		v |= 0o1000
	}
	return fmt.Sprintf("%04o", v)
}

// writeMetadata replaces the contents of the metadata file. osbuild binds
// that file into the build root, so it is truncated and written in place; a
// rename could not replace a bind mount.
func writeMetadata(f *os.File, md *Metadata) error {
	data, err := json.MarshalIndent(md, "", "  ")
	if err != nil {
		return err
	}
	if err := f.Truncate(0); err != nil {
		return err
	}
	if _, err := f.WriteAt(append(data, '\n'), 0); err != nil {
		return err
	}
	return f.Close()
}
