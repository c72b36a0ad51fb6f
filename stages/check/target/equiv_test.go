package target

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/qm-build/qm-build/test/verifiers"
)

// TestTreeAndImageAgree: a tree on disk and the same tree packed by GNU tar
// and flattened give the same answers to every FS question the rules ask:
// Walk, Lstat (labels included), ReadDir, Resolve, ReadFile and Open, for
// every entry and for paths through links (absolute, relative, climbing
// above the root, dangling, looping), and Identify (hard links, empty ones
// included, are one inode with the tree's link count).
func TestTreeAndImageAgree(t *testing.T) {
	tarTool := verifiers.Need(t, "tar")
	dir := filepath.Join(t.TempDir(), "tree")
	must := func(err error) { t.Helper(); require.NoError(t, err) }
	for _, d := range []string{"etc/qm/sub", "usr/lib/qm", "var/qm", "srv", "empty"} {
		must(os.MkdirAll(filepath.Join(dir, d), 0o755))
	}
	files := map[string]string{"etc/passwd": "root\n", "etc/qm/a.conf": "[Container]\n", "srv/priv.conf": "PodmanArgs=--privileged\n", "usr/lib/qm/empty": ""}
	for p, body := range files {
		must(os.WriteFile(filepath.Join(dir, p), []byte(body), 0o644))
	}
	must(os.Chmod(filepath.Join(dir, "srv/priv.conf"), 0o4755))
	must(os.Lchown(filepath.Join(dir, "etc/qm/a.conf"), 7, 8))
	must(unix.Lsetxattr(filepath.Join(dir, "etc/qm/a.conf"), "security.selinux", []byte("system_u:object_r:qm_file_t:s0\x00"), 0))
	for link, target := range map[string]string{
		"etc/qm/abs": "/etc/passwd", "etc/qm/rel": "../passwd", "etc/qm/climb": "../../../../../srv/priv.conf",
		"etc/qm/etcdir": "/etc", "etc/qm/dangling": "/nowhere", "etc/qm/loop1": "loop2", "etc/qm/loop2": "loop1",
		"usr/lib/qm/rootfs": "../../..",
	} {
		must(os.Symlink(target, filepath.Join(dir, link)))
	}
	must(syscall.Mkfifo(filepath.Join(dir, "var/qm/fifo"), 0o600))
	must(syscall.Mknod(filepath.Join(dir, "etc/qm/null"), syscall.S_IFCHR|0o666, 1<<8|3))
	for link, target := range map[string]string{"srv/hard": "srv/priv.conf", "var/qm/empty": "usr/lib/qm/empty",
		"var/qm/a.conf": "etc/qm/a.conf", "srv/a.conf": "etc/qm/a.conf"} {
		must(os.Link(filepath.Join(dir, target), filepath.Join(dir, link)))
	}
	layer := filepath.Join(t.TempDir(), "layer.tar")
	out, err := exec.Command(tarTool, "--create", "--file", layer, "--format=pax", "--numeric-owner", "--sort=name",
		"--xattrs", "--xattrs-include=security.selinux", "--directory", dir, ".").CombinedOutput()
	require.NoError(t, err, string(out))
	data, err := os.ReadFile(layer)
	require.NoError(t, err)

	tree, err := Open(dir, Options{})
	require.NoError(t, err)
	defer tree.Close()
	img, err := flattenBytes(t.TempDir(), Limits{}, data)
	require.NoError(t, err)
	defer img.Close()

	walk := func(fsys FS) []string {
		var out []string
		var mu sync.Mutex // a WalkFunc may be called from several goroutines at once
		require.NoError(t, fsys.Walk(func(e Entry, head []byte) error {
			mu.Lock()
			defer mu.Unlock()
			out = append(out, fmt.Sprintf("%+v head=%q", e, head))
			return nil
		}, WalkOptions{Head: true}))
		sort.Strings(out)
		return out
	}
	require.Equal(t, walk(tree.FS), walk(img))

	if fd, err := unix.Openat2(unix.AT_FDCWD, dir, &unix.OpenHow{Flags: unix.O_PATH | unix.O_CLOEXEC, Resolve: unix.RESOLVE_IN_ROOT}); err == nil {
		unix.Close(fd)
		_, _, ok := tree.FS.(*dirFS).identifyInRoot("/etc/qm/etcdir/passwd")
		require.True(t, ok, "with openat2, the kernel resolves a link to /etc inside the tree")
	}

	var paths []string
	require.NoError(t, img.Walk(func(e Entry, _ []byte) error { paths = append(paths, e.Path); return nil }, WalkOptions{}))
	paths = append(paths, "/", "/etc/qm/etcdir/passwd", "/etc/qm/etcdir/qm/climb", "/etc/qm/etcdir/qm/etcdir/qm/a.conf",
		"/usr/lib/qm/rootfs/etc/qm/rel", "/etc/qm/dangling/x", "/etc/qm/loop1/x", "/etc/passwd/x", "/missing")
	for _, p := range paths {
		t.Run(p, func(t *testing.T) {
			require.Equal(t, answer(tree.FS.Lstat(p)), answer(img.Lstat(p)), "Lstat")
			require.Equal(t, answer(tree.FS.ReadDir(p)), answer(img.ReadDir(p)), "ReadDir")
			require.Equal(t, answer(Resolve(tree.FS, p)), answer(Resolve(img, p)), "Resolve")
			a, aerr := ReadFile(tree.FS, p)
			b, berr := ReadFile(img, p)
			require.Equal(t, answer(string(a), aerr), answer(string(b), berr), "ReadFile")
			ao, aerr := tree.FS.Open(p)
			bo, berr := img.Open(p)
			require.Equal(t, answer(nil, aerr), answer(nil, berr), "Open")
			if aerr == nil {
				ao.Close()
				bo.Close()
			}
			require.Equal(t, identity(t, tree.FS, p), identity(t, img, p), "Identify")
			d := tree.FS.(*dirFS)
			if id, n, ok := d.identifyInRoot(p); ok {
				rid, rn, err := d.identifyResolved(p)
				require.NoError(t, err, "the kernel's resolution found it, Resolve must too")
				require.Equal(t, [2]any{rid, rn}, [2]any{id, n}, "openat2 and Resolve agree")
			}
		})
	}
}

// identity is what Identify says of p, with the inode given as the paths
// that share it (inode numbers differ between a tree and an image).
func identity(t *testing.T, fsys FS, p string) string {
	t.Helper()
	ident := fsys.(Identifier)
	id, n, err := ident.Identify(p)
	if err != nil {
		return answer(nil, err)
	}
	var names []string
	require.NoError(t, fsys.Walk(func(e Entry, _ []byte) error {
		if other, _, err := ident.Identify(e.Path); err == nil && other == id {
			names = append(names, e.Path)
		}
		return nil
	}, WalkOptions{Workers: 1}))
	sort.Strings(names)
	return fmt.Sprintf("%d links: %v", n, names)
}

// answer is a result and its error as one comparable string.
func answer(v any, err error) string {
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return fmt.Sprintf("error %s %s: %v", pe.Op, pe.Path, pe.Err)
		}
		return "error " + err.Error()
	}
	return fmt.Sprintf("%+v", v)
}
