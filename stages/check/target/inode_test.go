package target

import (
	"archive/tar"
	"fmt"
	"sort"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// TestFlattenedInodes: hard links share one inode across layers, and the
// link count follows what the upper layers remove or replace, as a tree
// unpacked from the same layers would say.
func TestFlattenedInodes(t *testing.T) {
	hard := func(name, target string) entry { return entry{name: name, typ: tar.TypeLink, link: target} }
	file := func(name, body string) entry { return entry{name: name, body: body} }
	for _, tc := range []struct {
		name   string
		layers [][]entry
		want   map[string]string // path → "inode links", or "none"
	}{
		{"three names of one file, one of them empty", [][]entry{
			{file("etc/a", "a"), hard("var/b", "etc/a"), hard("srv/c", "etc/a"), file("etc/e", ""), hard("var/e", "etc/e"), file("etc/one", "1")},
		}, map[string]string{"/etc/a": "1 3", "/var/b": "1 3", "/srv/c": "1 3", "/etc/e": "2 2", "/var/e": "2 2", "/etc/one": "3 1"}},
		{"a whiteout and a replaced name drop links; a link to a lower layer's file counts", [][]entry{
			{file("etc/a", "a"), hard("var/b", "etc/a"), hard("srv/c", "etc/a")},
			{file("var/.wh.b", ""), file("srv/c", "new"), hard("opt/d", "etc/a")},
		}, map[string]string{"/etc/a": "1 2", "/opt/d": "1 2", "/srv/c": "2 1", "/var/b": "error"}},
		{"a name hard-linked over itself keeps one link", [][]entry{
			{file("etc/a", "a"), hard("etc/a", "etc/a")},
		}, map[string]string{"/etc/a": "1 1"}},
		{"a directory, a link and a device have no identity", [][]entry{
			{{name: "d/", typ: tar.TypeDir, mode: 0o755}, {name: "l", typ: tar.TypeSymlink, link: "d"}, {name: "null", typ: tar.TypeChar}},
		}, map[string]string{"/d": "none", "/l": "none", "/null": "none"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var layers [][]byte
			for _, l := range tc.layers {
				layers = append(layers, tarBytes(t, l))
			}
			fsys, err := flattenBytes(t.TempDir(), Limits{}, layers...)
			require.NoError(t, err)
			defer fsys.Close()
			inos := map[FileID]int{} // inodes numbered in order of first appearance
			for _, p := range sortedKeys(tc.want) {
				id, n, err := fsys.Identify(p)
				got := ""
				switch {
				case err != nil && tc.want[p] == "none":
					require.ErrorIs(t, err, ErrNoIdentity, p)
					got = "none"
				case err != nil:
					got = "error"
				default:
					if inos[id] == 0 {
						inos[id] = len(inos) + 1
					}
					got = fmt.Sprintf("%d %d", inos[id], n)
				}
				require.Equal(t, tc.want[p], got, p)
			}
		})
	}
}

// sortedKeys lists a table's paths in the order the expectations number
// inodes: by name.
func sortedKeys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestNodeStaysSmall: an image may have a million entries; the inode number
// fits the node's padding.
func TestNodeStaysSmall(t *testing.T) {
	require.EqualValues(t, 48, unsafe.Sizeof(node{}))
}
