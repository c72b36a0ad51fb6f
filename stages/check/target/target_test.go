package target

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec"
)

// entry is one tar entry of a test layer.
type entry struct {
	name, body, link string
	typ              byte
	mode             int64
	uid              int
}

func tarBytes(t testing.TB, entries []entry) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: e.mode, Uid: e.uid, Linkname: e.link, Size: int64(len(e.body)), Format: tar.FormatPAX}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if h.Typeflag != tar.TypeReg {
			h.Size = 0
		}
		require.NoError(t, tw.WriteHeader(h))
		if h.Typeflag == tar.TypeReg {
			_, err := tw.Write([]byte(e.body))
			require.NoError(t, err)
		}
	}
	require.NoError(t, tw.Close())
	return b.Bytes()
}

func layer(t testing.TB, data []byte) v1.Layer {
	t.Helper()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }, tarball.WithMediaType(types.OCILayer))
	require.NoError(t, err)
	return l
}

func image(t testing.TB, arch string, layers ...[]byte) v1.Image {
	t.Helper()
	img := empty.Image
	for _, l := range layers {
		var err error
		img, err = mutate.AppendLayers(img, layer(t, l))
		require.NoError(t, err)
	}
	img = mutate.MediaType(img, types.OCIManifestSchema1)
	cf, err := img.ConfigFile()
	require.NoError(t, err)
	cf = cf.DeepCopy()
	cf.Architecture, cf.OS = arch, "linux"
	img, err = mutate.ConfigFile(img, cf)
	require.NoError(t, err)
	return img
}

func writeLayout(t testing.TB, img v1.Image, ref string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "layout")
	p, err := layout.Write(dir, empty.Index)
	require.NoError(t, err)
	require.NoError(t, p.AppendImage(img, layout.WithAnnotations(map[string]string{refAnnotation: ref})))
	return dir
}

func writeDockerArchive(t testing.TB, img v1.Image) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "image.tar")
	tag, err := name.NewTag("localhost/qm:test")
	require.NoError(t, err)
	require.NoError(t, tarball.WriteToFile(f, tag, img))
	return f
}

// tarDir packs a directory (an OCI layout) into an oci-archive.
func tarDir(t testing.TB, dir string) string {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		require.NoError(t, err)
		if p == dir {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			return tw.WriteHeader(&tar.Header{Name: rel + "/", Typeflag: tar.TypeDir, Mode: 0o755})
		}
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: rel, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(data))}))
		_, err = tw.Write(data)
		return err
	}))
	require.NoError(t, tw.Close())
	f := filepath.Join(t.TempDir(), "oci.tar")
	require.NoError(t, os.WriteFile(f, b.Bytes(), 0o644))
	return f
}

// twoLayers: the lower layer has files the upper one removes with a whiteout
// and an opaque directory.
func twoLayers(t testing.TB) v1.Image {
	lower := tarBytes(t, []entry{
		{name: "etc/", typ: tar.TypeDir, mode: 0o755},
		{name: "etc/qm/", typ: tar.TypeDir, mode: 0o755},
		{name: "etc/qm/old.conf", body: "old\n"},
		{name: "etc/qm/kept.conf", body: "kept\n"},
		{name: "var/qm/cache/", typ: tar.TypeDir, mode: 0o755},
		{name: "var/qm/cache/a", body: "a"},
		{name: "usr/bin/su", body: "#!/bin/sh\n", mode: 0o4755},
		{name: "usr/bin/su-hard", typ: tar.TypeLink, link: "usr/bin/su"},
	})
	upper := tarBytes(t, []entry{
		{name: "etc/qm/.wh.old.conf", body: ""},
		{name: "var/qm/cache/.wh..wh..opq", body: ""},
		{name: "var/qm/cache/b", body: "b"},
		{name: "etc/qm/link", typ: tar.TypeSymlink, link: "/etc/qm/kept.conf"},
		{name: "dev/null", typ: tar.TypeChar, mode: 0o666},
	})
	return image(t, "arm64", lower, upper)
}

func TestImageTargetsFlattenLayers(t *testing.T) {
	img := twoLayers(t)
	lay := writeLayout(t, img, "qm:test")
	for _, spec := range []string{
		"oci:" + lay + ":qm:test",
		"oci:" + lay,
		"oci-archive:" + tarDir(t, lay),
		"docker-archive:" + writeDockerArchive(t, img),
	} {
		t.Run(strings.SplitN(spec, ":", 2)[0], func(t *testing.T) {
			tmp := t.TempDir()
			tg, err := Open(spec, Options{TempDir: tmp})
			require.NoError(t, err)
			require.Equal(t, "aarch64", tg.Arch)
			require.True(t, tg.Kind.IsImage())
			require.Equal(t, []string{"/etc/qm/kept.conf", "/etc/qm/link"}, names(t, tg.FS, "/etc/qm"), "the whiteout hides old.conf")
			require.Equal(t, []string{"/var/qm/cache/b"}, names(t, tg.FS, "/var/qm/cache"), "the opaque directory hides a")
			data, err := ReadFile(tg.FS, "/etc/qm/link")
			require.NoError(t, err)
			require.Equal(t, "kept\n", string(data))
			su, err := tg.FS.Lstat("/usr/bin/su-hard")
			require.NoError(t, err)
			require.Equal(t, fs.ModeSetuid|0o755, su.Mode, "a hard link has its target's mode")
			dev, err := tg.FS.Lstat("/dev/null")
			require.NoError(t, err)
			require.NotZero(t, dev.Mode&fs.ModeCharDevice)
			var walked []string
			var mu sync.Mutex // a WalkFunc may be called from several goroutines at once
			require.NoError(t, tg.FS.Walk(func(e Entry, head []byte) error {
				mu.Lock()
				defer mu.Unlock()
				walked = append(walked, e.Path)
				if e.Path == "/usr/bin/su" {
					require.Equal(t, "#!/bin/sh\n", string(head))
				}
				return nil
			}, WalkOptions{Head: true}))
			require.Contains(t, walked, "/var/qm/cache/b")
			require.NotContains(t, walked, "/etc/qm/old.conf")
			require.NoError(t, tg.Close())
			left, err := os.ReadDir(tmp)
			require.NoError(t, err)
			require.Empty(t, left, "Close leaves nothing in the temporary directory")
		})
	}
}

func names(t *testing.T, fsys FS, dir string) []string {
	t.Helper()
	es, err := fsys.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range es {
		out = append(out, e.Path)
	}
	return out
}

// TestUnreadableTargets: every broken input is an rpmspec.InputError (bad input) with a
// reason; nothing is left in the temporary directory.
func TestUnreadableTargets(t *testing.T) {
	good := writeDockerArchive(t, twoLayers(t))
	goodData, err := os.ReadFile(good)
	require.NoError(t, err)
	escaping := writeDockerArchive(t, image(t, "amd64", tarBytes(t, []entry{{name: "../../etc/evil", body: "x"}})))
	write := func(data []byte) string {
		f := filepath.Join(t.TempDir(), "x.tar")
		require.NoError(t, os.WriteFile(f, data, 0o644))
		return f
	}
	ociEscape := write(tarBytes(t, []entry{{name: "../outside", body: "x"}}))
	ociLink := write(tarBytes(t, []entry{{name: "oci-layout", body: `{"imageLayoutVersion":"1.0.0"}`}, {name: "index.json", typ: tar.TypeSymlink, link: "../../../etc/passwd"}}))
	ociFIFO := filepath.Join(t.TempDir(), "fifo.tar")
	require.NoError(t, syscall.Mkfifo(ociFIFO, 0o644))
	for _, tc := range []struct{ name, spec, want string }{
		{"missing directory", "/nonexistent/qm", "no such file"},
		{"unknown transport", "ftp:x", "unknown transport"},
		{"a file that is no archive", write(tarBytes(t, []entry{{name: "a", body: "x"}})), "neither an OCI archive"},
		{"a FIFO given as an archive", "oci-archive:" + ociFIFO, "not a regular file (a FIFO)"},
		{"a bare FIFO", ociFIFO, "not a directory or an archive file"},
		{"corrupt docker archive", "docker-archive:" + write([]byte("not a tar at all")), "as a tar archive"},
		{"truncated docker archive", "docker-archive:" + write(goodData[:len(goodData)/2]), ""},
		{"layer with ../ entries", "docker-archive:" + escaping, "unsafe tar path"},
		{"oci-archive with ../ entries", "oci-archive:" + ociEscape, "climbs out"},
		{"oci-archive with a symlink out", "oci-archive:" + ociLink, "x.tar:etc/passwd: file does not exist"},
		{"oci layout without oci-layout", "oci:" + t.TempDir(), "oci-layout"},
		{"oci layout without the ref", "oci:" + writeLayout(t, twoLayers(t), "qm:test") + ":other", "no image named"},
		{"empty rpms directory", "rpms:" + t.TempDir(), "no *.rpm"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tmp := t.TempDir()
			tg, err := Open(tc.spec, Options{TempDir: tmp})
			require.Error(t, err)
			require.Nil(t, tg)
			var te *rpmspec.InputError
			require.True(t, errors.As(err, &te), "%T %v", err, err)
			require.True(t, te.BadInput())
			require.Contains(t, err.Error(), tc.want)
			left, _ := os.ReadDir(tmp)
			require.Empty(t, left)
		})
	}
}

func TestDirFSResolvesInsideTheImage(t *testing.T) {
	dir := t.TempDir()
	must := func(err error) { require.NoError(t, err) }
	must(os.MkdirAll(filepath.Join(dir, "etc/qm"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "etc/passwd"), []byte("image passwd\n"), 0o644))
	must(os.Symlink("/etc/passwd", filepath.Join(dir, "etc/qm/abs")))
	must(os.Symlink("../../../../../etc/passwd", filepath.Join(dir, "etc/qm/climb")))
	must(os.Symlink("loop2", filepath.Join(dir, "etc/qm/loop1")))
	must(os.Symlink("loop1", filepath.Join(dir, "etc/qm/loop2")))
	must(os.Symlink("/etc", filepath.Join(dir, "etc/qm/etcdir")))
	tg, err := Open(dir, Options{})
	require.NoError(t, err)
	defer tg.Close()
	require.Equal(t, KindTree, tg.Kind)
	for _, p := range []string{"/etc/qm/abs", "/etc/qm/climb", "/etc/qm/etcdir/passwd"} {
		data, err := ReadFile(tg.FS, p)
		require.NoError(t, err, p)
		require.Equal(t, "image passwd\n", string(data), "%s resolves inside the image, not on the host", p)
	}
	_, err = ReadFile(tg.FS, "/etc/qm/loop1")
	require.ErrorIs(t, err, ErrLoop)
	_, err = ReadFile(tg.FS, "/etc/qm/missing")
	require.ErrorIs(t, err, fs.ErrNotExist)
	e, err := tg.FS.Lstat("/etc/qm/abs")
	require.NoError(t, err)
	require.Equal(t, "/etc/passwd", e.Link)
}

// TestParallelWalkSeesEverything compares Walk with filepath.WalkDir.
func TestParallelWalkSeesEverything(t *testing.T) {
	dir := t.TempDir()
	var want []string
	for i := 0; i < 40; i++ {
		for j := 0; j < 25; j++ {
			p := filepath.Join(dir, "d"+string(rune('a'+i%26))+string(rune('a'+i/26)), "sub", "f"+string(rune('a'+j)))
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(t, os.WriteFile(p, []byte(strings.Repeat("x", j*10)), 0o600))
		}
	}
	require.NoError(t, os.Symlink("/nowhere", filepath.Join(dir, "dangling")))
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if p != dir {
			r, _ := filepath.Rel(dir, p)
			want = append(want, "/"+r)
		}
		return err
	}))
	tg, err := Open(dir, Options{})
	require.NoError(t, err)
	defer tg.Close()
	var mu sync.Mutex
	var got []string
	heads := 0
	require.NoError(t, tg.FS.Walk(func(e Entry, head []byte) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, e.Path)
		if len(head) > 0 {
			heads++
			require.LessOrEqual(t, len(head), HeadSize)
			require.Equal(t, strings.Repeat("x", len(head)), string(head))
		}
		if e.Path == "/dangling" {
			require.Equal(t, "/nowhere", e.Link)
		}
		return nil
	}, WalkOptions{Head: true, Workers: 7}))
	sort.Strings(got)
	sort.Strings(want)
	require.Equal(t, want, got)
	require.Equal(t, 40*24, heads, "every non-empty regular file has a head")
	stop := errors.New("stop")
	require.ErrorIs(t, tg.FS.Walk(func(Entry, []byte) error { return stop }, WalkOptions{}), stop)
}
