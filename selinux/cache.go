package selinux

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"

	"github.com/qm-build/qm-build/rootfs/atomic"
)

// cacheFormat changes whenever what goes into a cache key changes.
const cacheFormat = "qm-build selinux module cache 1"

// Module is a compiled policy module: qm.pp, and its bzip2 form as packages
// ship it (qm.pp.bz2).
type Module struct {
	PP    []byte
	Bzip2 []byte
}

// BuildModule compiles the sources and compresses the result, with a cache of
// built modules in dir ("" means no cache). The key is everything the build
// reads: the sources, the programs the refpolicy Makefile runs, bzip2, and
// every file under the devel Makefile's directory (its headers), the latter
// by path, size and modification time. Compile and bzip2 are deterministic,
// so a hit gives the bytes a build would; a cached module that is not qm at
// the sources' version is ignored and replaced. The cache is best effort:
// when it cannot be read or written, the module is built as without one.
func BuildModule(ctx context.Context, srcs []SourceFile, t Tools, dir, version string) (m Module, hit bool, err error) {
	key, kerr := "", error(nil)
	if dir != "" {
		key, kerr = compileKey(srcs, t)
	}
	base := filepath.Join(dir, key)
	if dir != "" && kerr == nil {
		pp, err1 := os.ReadFile(base + ".pp")
		bz, err2 := os.ReadFile(base + ".pp.bz2")
		if err1 == nil && err2 == nil {
			if n, v, err := ModuleInfo(pp); err == nil && n == ModuleName && v == version && len(bz) > 0 {
				return Module{PP: pp, Bzip2: bz}, true, nil
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
	if dir != "" && kerr == nil && os.MkdirAll(dir, 0o755) == nil {
		_ = atomic.WritePath(base+".pp.bz2", bz, 0o644)
		_ = atomic.WritePath(base+".pp", pp, 0o644)
	}
	return Module{PP: pp, Bzip2: bz}, false, nil
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
	var files []string
	err := filepath.WalkDir(filepath.Dir(t.DevelMakefile), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	sort.Strings(files)
	for _, p := range files {
		if err := statInto(h, p); err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func statInto(w io.Writer, p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "file %s %d %d\n", p, fi.Size(), fi.ModTime().UnixNano())
	return err
}
