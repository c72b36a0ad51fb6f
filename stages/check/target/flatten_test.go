package target

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// listing describes a flattened image one entry a line: path, type and
// permission bits, owner, and a link's target or a file's content.
func listing(t *testing.T, fsys FS) string {
	t.Helper()
	var lines []string
	require.NoError(t, fsys.Walk(func(e Entry, _ []byte) error {
		l := fmt.Sprintf("%s %s %d:%d", e.Path, e.Mode, e.UID, e.GID)
		switch {
		case e.Mode&fs.ModeSymlink != 0:
			l += " -> " + e.Link
		case e.Mode.IsRegular():
			data, err := ReadFile(fsys, e.Path)
			require.NoError(t, err)
			l += fmt.Sprintf(" %q", data)
		}
		lines = append(lines, l)
		return nil
	}, WalkOptions{}))
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// TestFlattenLayers: the layer semantics of image-spec layer.md, as
// container runtimes apply them, entry by entry.
func TestFlattenLayers(t *testing.T) {
	dir := func(name string) entry { return entry{name: name, typ: tar.TypeDir, mode: 0o755} }
	file := func(name, body string) entry { return entry{name: name, body: body} }
	link := func(name, target string) entry { return entry{name: name, typ: tar.TypeSymlink, link: target} }
	for _, tc := range []struct {
		name   string
		layers [][]entry
		want   string // the listing, or "error: …"
	}{
		{"a whiteout removes a lower file, not the same layer's", [][]entry{
			{dir("etc/"), file("etc/a", "1"), file("etc/b", "1")},
			{file("etc/b", "2"), file("etc/.wh.a", ""), file("etc/.wh.b", "")},
		}, "/etc drwxr-xr-x 0:0\n/etc/b -rw-r--r-- 0:0 \"2\""},
		{"a whiteout removes a directory with everything in it", [][]entry{
			{dir("var/"), dir("var/d/"), file("var/d/x", "x"), dir("var/d/e/"), file("var/d/e/y", "y")},
			{file("var/.wh.d", "")},
		}, "/var drwxr-xr-x 0:0"},
		{"an opaque directory hides the lower layers' entries, wherever the marker is", [][]entry{
			{dir("d/"), file("d/old", "o"), dir("d/sub/"), file("d/sub/x", "x")},
			{file("d/new", "n"), file("d/.wh..wh..opq", "")},
		}, "/d drwxr-xr-x 0:0\n/d/new -rw-r--r-- 0:0 \"n\""},
		{"a directory over a directory merges", [][]entry{
			{dir("d/"), file("d/a", "a")},
			{{name: "d/", typ: tar.TypeDir, mode: 0o700, uid: 7}, file("d/b", "b")},
		}, "/d drwx------ 7:0\n/d/a -rw-r--r-- 0:0 \"a\"\n/d/b -rw-r--r-- 0:0 \"b\""},
		{"a file over a directory replaces it and its entries", [][]entry{
			{dir("d/"), file("d/a", "a")},
			{file("d", "file")},
		}, "/d -rw-r--r-- 0:0 \"file\""},
		{"a directory over a link replaces the link", [][]entry{
			{dir("usr/"), link("lib", "usr/lib")},
			{dir("lib/"), file("lib/x", "x")},
		}, "/lib drwxr-xr-x 0:0\n/lib/x -rw-r--r-- 0:0 \"x\"\n/usr drwxr-xr-x 0:0"},
		{"a hard link shares its target's inode: mode, owner, content", [][]entry{
			{{name: "bin/su", body: "su", mode: 0o4755, uid: 3}},
			{{name: "bin/su2", typ: tar.TypeLink, link: "bin/su", mode: 0o644}},
		}, "/bin drwxr-xr-x 0:0\n/bin/su urwxr-xr-x 3:0 \"su\"\n/bin/su2 urwxr-xr-x 3:0 \"su\""},
		{"a link climbing above the root is kept as written (links are 0777, as on Linux)", [][]entry{
			{dir("etc/"), file("srv/priv.conf", "p"), link("etc/zz.conf", "../../../../../srv/priv.conf")},
		}, "/etc drwxr-xr-x 0:0\n/etc/zz.conf Lrwxrwxrwx 0:0 -> ../../../../../srv/priv.conf\n/srv drwxr-xr-x 0:0\n/srv/priv.conf -rw-r--r-- 0:0 \"p\""},
		{"names with ./, / and a/../b", [][]entry{
			{{name: "./", typ: tar.TypeDir, mode: 0o555}, file("./a", "a"), file("/b", "b"), file("x/../c", "c")},
		}, "/a -rw-r--r-- 0:0 \"a\"\n/b -rw-r--r-- 0:0 \"b\"\n/c -rw-r--r-- 0:0 \"c\""},
		{"missing parents are made, devices and FIFOs kept, aufs metadata ignored", [][]entry{
			{{name: "dev/null", typ: tar.TypeChar, mode: 0o666}, {name: "run/p", typ: tar.TypeFifo, mode: 0o600},
				file(".wh..wh.plnk/1", ""), file("x/.wh.none", "")},
		}, "/dev drwxr-xr-x 0:0\n/dev/null Dcrw-rw-rw- 0:0\n/run drwxr-xr-x 0:0\n/run/p prw------- 0:0\n/x drwxr-xr-x 0:0"},
		{"an entry under a link in a lower layer", [][]entry{
			{dir("srv/"), link("etc", "srv")},
			{file("etc/qm.conf", "x")},
		}, "error: its parent /etc is a symbolic link, not a directory"},
		{"an entry under a file", [][]entry{{file("a", "a"), file("a/b", "b")}}, "error: its parent /a is"},
		{"a name climbing out", [][]entry{{file("../../etc/evil", "x")}}, "error: unsafe tar path"},
		{"a hard link to a missing entry", [][]entry{{{name: "a", typ: tar.TypeLink, link: "nowhere"}}}, "error: hard link to \"nowhere\", which is not in the image"},
		{"a hard link to a directory", [][]entry{{dir("d/"), {name: "a", typ: tar.TypeLink, link: "d"}}}, "error: hard link to the directory"},
		{"an unsupported entry type", [][]entry{{{name: "vol", typ: 'V'}}}, "error: unsupported tar entry type \"V\""},
		{"a link with an empty target", [][]entry{{{name: "l", typ: tar.TypeSymlink}}}, "error: empty target"},
		{"a root that is not a directory", [][]entry{{file(".", "")}}, "error: the image root must be a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var layers [][]byte
			for _, l := range tc.layers {
				layers = append(layers, tarBytes(t, l))
			}
			tmp := t.TempDir()
			fsys, err := flattenBytes(tmp, Limits{}, layers...)
			if want, ok := strings.CutPrefix(tc.want, "error: "); ok {
				require.Error(t, err)
				require.Contains(t, err.Error(), want)
				return
			}
			require.NoError(t, err)
			defer fsys.Close()
			require.Equal(t, tc.want, listing(t, fsys))
		})
	}
}

// TestFlattenedLinksResolveInsideTheImage: the image FS resolves links the
// way the kernel does with the image as root, and as dirFS does.
func TestFlattenedLinksResolveInsideTheImage(t *testing.T) {
	layer := tarBytes(t, []entry{
		{name: "etc/passwd", body: "image passwd\n"},
		{name: "etc/qm/abs", typ: tar.TypeSymlink, link: "/etc/passwd"},
		{name: "etc/qm/climb", typ: tar.TypeSymlink, link: "../../../../../etc/passwd"},
		{name: "etc/qm/etcdir", typ: tar.TypeSymlink, link: "/etc"},
		{name: "etc/qm/loop1", typ: tar.TypeSymlink, link: "loop2"},
		{name: "etc/qm/loop2", typ: tar.TypeSymlink, link: "loop1"},
	})
	fsys, err := flattenBytes(t.TempDir(), Limits{}, layer)
	require.NoError(t, err)
	defer fsys.Close()
	for _, p := range []string{"/etc/qm/abs", "/etc/qm/climb", "/etc/qm/etcdir/passwd", "/etc/qm/etcdir/qm/climb"} {
		data, err := ReadFile(fsys, p)
		require.NoError(t, err, p)
		require.Equal(t, "image passwd\n", string(data), p)
	}
	e, err := fsys.Lstat("/etc/qm/etcdir/qm/abs")
	require.NoError(t, err, "Lstat resolves every component but the last")
	require.Equal(t, "/etc/passwd", e.Link)
	require.Equal(t, "/etc/qm/etcdir/qm/abs", e.Path)
	es, err := fsys.ReadDir("/etc/qm/etcdir")
	require.NoError(t, err, "ReadDir follows a link to a directory")
	require.Equal(t, "/etc/qm/etcdir/passwd", es[0].Path)
	_, err = ReadFile(fsys, "/etc/qm/loop1")
	require.ErrorIs(t, err, ErrLoop)
	_, err = fsys.Open("/etc/qm/abs")
	require.Error(t, err, "Open does not follow a final link")
}

// TestFlattenLabels: the security.selinux attribute as GNU tar writes it
// (SCHILY.xattr, NUL-terminated) and as libarchive does (base64).
func TestFlattenLabels(t *testing.T) {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, h := range []*tar.Header{
		{Name: "a", Typeflag: tar.TypeReg, Mode: 0o644, PAXRecords: map[string]string{selinuxPAX: "system_u:object_r:etc_t:s0\x00"}},
		{Name: "b", Typeflag: tar.TypeReg, Mode: 0o644, PAXRecords: map[string]string{selinuxLibarch: base64.StdEncoding.EncodeToString([]byte("system_u:object_r:qm_file_t:s0"))}},
		{Name: "c", Typeflag: tar.TypeReg, Mode: 0o644},
	} {
		h.Format = tar.FormatPAX
		require.NoError(t, tw.WriteHeader(h))
	}
	require.NoError(t, tw.Close())
	fsys, err := flattenBytes(t.TempDir(), Limits{}, b.Bytes())
	require.NoError(t, err)
	defer fsys.Close()
	for p, want := range map[string]string{"/a": "system_u:object_r:etc_t:s0", "/b": "system_u:object_r:qm_file_t:s0", "/c": ""} {
		e, err := fsys.Lstat(p)
		require.NoError(t, err)
		require.Equal(t, want, e.Label, p)
	}
}

// TestRepeatedWhiteoutsCostOnce: whiteouts of a large directory repeated in
// one layer visit it once (an image cannot make flattening quadratic).
func TestRepeatedWhiteoutsCostOnce(t *testing.T) {
	var lower, upper []entry
	for i := 0; i < 2000; i++ {
		lower = append(lower, entry{name: fmt.Sprintf("d/f%d", i)})
		upper = append(upper, entry{name: fmt.Sprintf("d/g%d", i)})
	}
	for i := 0; i < 2000; i++ {
		upper = append(upper, entry{name: "d/.wh..wh..opq"}, entry{name: ".wh.d"})
	}
	fsys, err := flattenBytes(t.TempDir(), Limits{}, tarBytes(t, lower), tarBytes(t, upper))
	require.NoError(t, err)
	defer fsys.Close()
	es, err := fsys.ReadDir("/d")
	require.NoError(t, err)
	require.Len(t, es, 2000, "the upper layer's entries stay")
	require.Equal(t, "/d/g0", es[0].Path)
	require.Equal(t, 2001, fsys.t.entries)
}

// TestFlattenStopsOnCancel: a cancelled context ends flattening at the next
// read, and nothing is left in the temporary directory.
func TestFlattenStopsOnCancel(t *testing.T) {
	tmp := t.TempDir()
	f := writeDockerArchive(t, twoLayers(t))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tg, err := OpenContext(ctx, "docker-archive:"+f, Options{TempDir: tmp})
	require.ErrorIs(t, err, context.Canceled)
	require.Nil(t, tg)
	left, _ := os.ReadDir(tmp)
	require.Empty(t, left)
}

// spoolBytes reads everything an imageFS keeps, for the limit tests.
func spoolBytes(t *testing.T, f *imageFS) (used, size int64) {
	t.Helper()
	fi, err := f.t.spool.f.Stat()
	require.NoError(t, err)
	return f.t.spool.used, fi.Size()
}
