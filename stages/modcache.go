package stages

import (
	"os"
	"path/filepath"

	"github.com/qm-build/qm-build/rootfs/atomic"
	"github.com/qm-build/qm-build/selinux"
)

// DirCache is the selinux.ModuleCache on disk: KEY.pp and KEY.pp.bz2 in the
// directory, each written atomically (rootfs/atomic). It is best effort: a
// file that cannot be read is a miss, one that cannot be written is skipped.
// The module cache lives here rather than in selinux because selinux sits
// below rootfs and must not import its atomic writer.
type DirCache string

// Get reads KEY.pp and KEY.pp.bz2; both must be there.
func (d DirCache) Get(key string) (selinux.Module, bool) {
	base := filepath.Join(string(d), key)
	pp, err1 := os.ReadFile(base + ".pp")
	bz, err2 := os.ReadFile(base + ".pp.bz2")
	if err1 != nil || err2 != nil {
		return selinux.Module{}, false
	}
	return selinux.Module{PP: pp, Bzip2: bz}, true
}

// Put writes KEY.pp.bz2 and then KEY.pp, creating the directory.
func (d DirCache) Put(key string, m selinux.Module) {
	if os.MkdirAll(string(d), 0o755) != nil {
		return
	}
	base := filepath.Join(string(d), key)
	_ = atomic.WritePath(base+".pp.bz2", m.Bzip2, 0o644)
	_ = atomic.WritePath(base+".pp", m.PP, 0o644)
}

// moduleCache is the cache for a directory, nil for "".
func moduleCache(dir string) selinux.ModuleCache {
	if dir == "" {
		return nil
	}
	return DirCache(dir)
}
