package target

import (
	"archive/tar"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBootcUsrEtc: a bootc image that carries only /usr/etc (as ostree
// tooling exports it) is read with /usr/etc as /etc, through every path of
// the FS: Lstat, ReadDir, ReadFile, links, Walk, and file identities of its
// own; an image with /etc of its own is left as it is.
func TestBootcUsrEtc(t *testing.T) {
	dir := func(name string) entry { return entry{name: name, typ: tar.TypeDir, mode: 0o755} }
	file := func(name, body string) entry { return entry{name: name, body: body} }
	img, err := flattenBytes(t.TempDir(), Limits{}, tarBytes(t, []entry{
		dir("usr/"), dir("usr/etc/"), dir("usr/etc/qm/"), file("usr/etc/qm/containers.conf", "[engine]\n"),
		file("usr/etc/selinux-config", "SELINUX=enforcing\n"),
		{name: "usr/etc/link", typ: tar.TypeSymlink, link: "/etc/qm/containers.conf"},
		dir("usr/lib/"), dir("usr/lib/bootc/"), dir("usr/lib/bootc/kargs.d/"), file("usr/lib/bootc/kargs.d/10.toml", "kargs = [\"quiet\"]\n"),
	}))
	require.NoError(t, err)
	var notes []string
	fsys, err := bootcLayout(img, &notes)
	require.NoError(t, err)
	defer fsys.Close()
	require.Len(t, notes, 1)
	data, err := ReadFile(fsys, "/etc/qm/containers.conf")
	require.NoError(t, err)
	require.Equal(t, "[engine]\n", string(data))
	data, err = ReadFile(fsys, "/etc/link")
	require.NoError(t, err, "a link in /etc resolves through the view")
	require.Equal(t, "[engine]\n", string(data))
	e, err := fsys.Lstat("/etc")
	require.NoError(t, err)
	require.True(t, e.Mode.IsDir())
	require.Equal(t, "/etc", e.Path)
	root, err := fsys.ReadDir("/")
	require.NoError(t, err)
	var names []string
	for _, e := range root {
		names = append(names, e.Path)
	}
	require.Equal(t, []string{"/etc", "/usr"}, names)
	list, err := fsys.ReadDir("/etc/qm")
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, "/etc/qm/containers.conf", list[0].Path)
	seen := map[string]bool{}
	require.NoError(t, fsys.Walk(func(e Entry, _ []byte) error { seen[e.Path] = true; return nil }, WalkOptions{}))
	for _, p := range []string{"/etc", "/etc/qm/containers.conf", "/usr/etc/qm/containers.conf", "/usr/lib/bootc/kargs.d/10.toml"} {
		require.True(t, seen[p], "Walk gives %s", p)
	}
	ident := fsys.(Identifier)
	a, _, err := ident.Identify("/etc/qm/containers.conf")
	require.NoError(t, err)
	b, _, err := ident.Identify("/usr/etc/qm/containers.conf")
	require.NoError(t, err)
	require.NotEqual(t, a, b, "/etc is a copy of /usr/etc, not the same files")

	own, err := flattenBytes(t.TempDir(), Limits{}, tarBytes(t, []entry{dir("etc/"), file("etc/a", "1"), dir("usr/"), dir("usr/etc/")}))
	require.NoError(t, err)
	notes = nil
	same, err := bootcLayout(own, &notes)
	require.NoError(t, err)
	defer same.Close()
	require.Same(t, own, same.(*imageFS))
	require.Empty(t, notes)
}

func TestIsBootc(t *testing.T) {
	for _, tc := range []struct {
		labels map[string]string
		want   bool
	}{
		{map[string]string{"containers.bootc": "1"}, true},
		{map[string]string{"ostree.bootable": "true"}, true},
		{map[string]string{"containers.bootc": "0"}, false},
		{nil, false},
	} {
		require.Equal(t, tc.want, isBootc(tc.labels), "%v", tc.labels)
	}
}
