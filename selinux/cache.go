package selinux

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
)

// cacheFormat changes whenever what goes into a cache key changes.
const cacheFormat = "qm-build selinux module cache 2"

// Module is a compiled policy module: qm.pp, and its bzip2 form as packages
// ship it (qm.pp.bz2).
type Module struct {
	PP    []byte
	Bzip2 []byte
}

// ModuleCache keeps built modules between builds, by key. The package does no
// cache I/O itself: it sits below rootfs, whose atomic writer a cache on disk
// uses, so the caller passes the store in (stages.DirCache is the one on
// disk). Get reports a miss with ok false; Put is best effort.
type ModuleCache interface {
	Get(key string) (m Module, ok bool)
	Put(key string, m Module)
}

// BuildModule compiles the sources and compresses the result, with a cache of
// built modules (nil means no cache). The key is everything the build reads:
// the sources, the programs the refpolicy Makefile runs and bzip2 (by path,
// size and modification time), and the devel Makefile with every directory
// under its own (the headers, which package upgrades replace by rename).
// Compile and bzip2 are deterministic, so a hit gives the bytes a build
// would; a cached module that is not qm at the sources' version is ignored
// and replaced. The cache is best effort: when
// the key cannot be computed, the module is built as without one.
func BuildModule(ctx context.Context, srcs []SourceFile, t Tools, cache ModuleCache, version string) (m Module, hit bool, err error) {
	key := ""
	if cache != nil {
		if k, err := compileKey(srcs, t); err == nil {
			key = k
		}
	}
	if key != "" {
		if c, ok := cache.Get(key); ok && len(c.Bzip2) > 0 {
			if n, v, err := ModuleInfo(c.PP); err == nil && n == ModuleName && v == version {
				return c, true, nil
			}
		}
	}
	pp, err := Compile(ctx, srcs, t)
	if err != nil {
		return Module{}, false, err
	}
	bz, err := Bzip2(ctx, t, pp)
	if err != nil {
		return Module{}, false, err
	}
	m = Module{PP: pp, Bzip2: bz}
	if key != "" {
		cache.Put(key, m)
	}
	return m, false, nil
}

// compileKey hashes the inputs of a compile.
func compileKey(srcs []SourceFile, t Tools) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", cacheFormat)
	for _, s := range srcs {
		fmt.Fprintf(h, "src %s %d\n", s.Name, len(s.Data))
		h.Write(s.Data)
	}
	// The Makefile runs m4, checkmodule and semodule_package from PATH.
	progs := []string{t.Make, t.Checkmodule, t.Bzip2}
	for _, name := range []string{"m4", "semodule_package"} {
		if p, err := exec.LookPath(name); err == nil {
			progs = append(progs, p)
		}
	}
	for _, p := range progs {
		if err := statInto(h, p); err != nil {
			return "", err
		}
	}
	// The headers: the Makefile itself and every directory under it, by
	// path, size and modification time. A package upgrade (rpm, dpkg)
	// writes each file under a temporary name and renames it into place,
	// which changes its directory's time; stating the ~10 directories
	// rather than the ~450 files keeps a cache hit to a millisecond less.
	dirs := []string{t.DevelMakefile}
	dirs, err := appendDirs(dirs, filepath.Dir(t.DevelMakefile))
	if err != nil {
		return "", err
	}
	sort.Strings(dirs[1:])
	for _, p := range dirs {
		if err := statInto(h, p); err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// appendDirs appends dir and every directory below it (not following
// symbolic links), in no particular order: the paths filepath.WalkDir
// visits as directories, found without joining a path for each of the
// hundreds of files between them.
func appendDirs(dirs []string, dir string) ([]string, error) {
	dirs = append(dirs, dir)
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	entries, err := f.ReadDir(-1)
	f.Close()
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if e.IsDir() {
			if dirs, err = appendDirs(dirs, filepath.Join(dir, e.Name())); err != nil {
				return nil, err
			}
		}
	}
	return dirs, nil
}

func statInto(w io.Writer, p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "file %s %d %d\n", p, fi.Size(), fi.ModTime().UnixNano())
	return err
}
