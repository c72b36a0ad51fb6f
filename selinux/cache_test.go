package selinux

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// mapCache is a ModuleCache in memory that counts its writes.
type mapCache struct {
	m    map[string]Module
	puts int
}

func (c *mapCache) Get(key string) (Module, bool) { m, ok := c.m[key]; return m, ok }
func (c *mapCache) Put(key string, m Module)      { c.m[key] = m; c.puts++ }

// TestBuildModule: a miss compiles and stores the module, a hit returns the
// same bytes without compiling, a cached entry that is not the version's qm
// module is replaced, another version has a key of its own, and no cache
// means nothing stored. (stages.DirCache is the cache on disk; its test
// covers the files.)
func TestBuildModule(t *testing.T) {
	tools := needPolicyTools(t)
	ctx := context.Background()
	cache := &mapCache{m: map[string]Module{}}
	srcs, err := Sources("1.0")
	require.NoError(t, err)

	m, hit, err := BuildModule(ctx, srcs, tools, cache, "1.0")
	require.NoError(t, err)
	require.False(t, hit, "an empty cache misses")
	require.Len(t, cache.m, 1)
	var key string
	for k := range cache.m {
		key = k
	}

	again, hit, err := BuildModule(ctx, srcs, tools, cache, "1.0")
	require.NoError(t, err)
	require.True(t, hit)
	require.Equal(t, m, again)
	require.Equal(t, 1, cache.puts, "a hit stores nothing")
	compiled, err := Compile(ctx, srcs, tools)
	require.NoError(t, err)
	require.Equal(t, compiled, again.PP, "a hit gives the bytes a compile gives")
	bz, err := Bzip2(ctx, tools, compiled)
	require.NoError(t, err)
	require.Equal(t, bz, again.Bzip2)

	cache.m[key] = Module{PP: []byte("not a policy package"), Bzip2: m.Bzip2}
	fixed, hit, err := BuildModule(ctx, srcs, tools, cache, "1.0")
	require.NoError(t, err)
	require.False(t, hit, "a corrupt entry is not used")
	require.Equal(t, m, fixed)
	require.Equal(t, m, cache.m[key], "and it is replaced")

	srcs2, err := Sources("2.0")
	require.NoError(t, err)
	m2, hit, err := BuildModule(ctx, srcs2, tools, cache, "2.0")
	require.NoError(t, err)
	require.False(t, hit, "another version has a key of its own")
	_, v, err := ModuleInfo(m2.PP)
	require.NoError(t, err)
	require.Equal(t, "2.0", v)
	require.Len(t, cache.m, 2)

	_, hit, err = BuildModule(ctx, srcs, tools, nil, "1.0")
	require.NoError(t, err)
	require.False(t, hit)
}

// TestCompileKey: the key changes with the sources, and when a header is
// added or replaced the way package managers replace files (a new file
// renamed into place), but not from one call to the next.
func TestCompileKey(t *testing.T) {
	dir := t.TempDir()
	inc := filepath.Join(dir, "include", "kernel")
	require.NoError(t, os.MkdirAll(inc, 0o755))
	mk := filepath.Join(dir, "Makefile")
	require.NoError(t, os.WriteFile(mk, []byte("all:\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(inc, "files.if"), []byte("v1\n"), 0o644))
	prog := filepath.Join(dir, "prog")
	require.NoError(t, os.WriteFile(prog, []byte("#!/bin/sh\n"), 0o755))
	tools := Tools{Make: prog, Checkmodule: prog, Bzip2: prog, DevelMakefile: mk}
	srcs, err := Sources("1.0")
	require.NoError(t, err)
	key := func() string {
		k, err := compileKey(srcs, tools)
		require.NoError(t, err)
		return k
	}
	first := key()
	require.Equal(t, first, key(), "stable")

	srcs2, err := Sources("2.0")
	require.NoError(t, err)
	k2, err := compileKey(srcs2, tools)
	require.NoError(t, err)
	require.NotEqual(t, first, k2, "the sources are in the key")

	// A package upgrade: the new header written beside and renamed over.
	old, err := os.Stat(inc)
	require.NoError(t, err)
	tmp := filepath.Join(inc, ".files.if.new")
	require.NoError(t, os.WriteFile(tmp, []byte("v2\n"), 0o644))
	require.NoError(t, os.Rename(tmp, filepath.Join(inc, "files.if")))
	later := old.ModTime().Add(time.Second) // coarse file-system clocks
	require.NoError(t, os.Chtimes(inc, later, later))
	require.NotEqual(t, first, key(), "a replaced header changes the key")
}

// TestAppendDirs: the directories the key states are those filepath.WalkDir
// visits as directories: nested ones, empty ones, none behind a symlink.
func TestAppendDirs(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"a/b/c", "a/e", "f", "g/h"} {
		require.NoError(t, os.MkdirAll(filepath.Join(root, d), 0o755))
	}
	for _, f := range []string{"Makefile", "a/x.if", "a/b/y.if", "g/h/z"} {
		require.NoError(t, os.WriteFile(filepath.Join(root, f), nil, 0o644))
	}
	require.NoError(t, os.Symlink(filepath.Join(root, "a"), filepath.Join(root, "link")))
	var want []string
	require.NoError(t, filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if d.IsDir() {
			want = append(want, p)
		}
		return err
	}))
	got, err := appendDirs(nil, root)
	require.NoError(t, err)
	require.ElementsMatch(t, want, got)
	require.Len(t, got, 8, "the root, a, a/b, a/b/c, a/e, f, g, g/h")
	_, err = appendDirs(nil, filepath.Join(root, "missing"))
	require.Error(t, err)
}
