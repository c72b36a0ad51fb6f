package target

// Regression tests for issue 17 (hostile input) and issue 12.6 (recognising
// the target), written against Open alone so that they run, and fail, on the
// reader they replaced.

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/qm-build/qm-build/rpmspec"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/stretchr/testify/require"
)

// requireBadInput opens spec and requires bad input (an rpmspec.InputError, exit status 2) whose
// message holds every want, and an empty temporary directory afterwards.
func requireBadInput(t *testing.T, spec string, want ...string) {
	t.Helper()
	tmp := t.TempDir()
	tg, err := Open(spec, Options{TempDir: tmp})
	require.Error(t, err, "%s opened", spec)
	require.Nil(t, tg)
	require.True(t, rpmspec.IsBadInput(err), "%T %v", err, err)
	for _, w := range want {
		require.Contains(t, err.Error(), w)
	}
	left, _ := os.ReadDir(tmp)
	require.Empty(t, left, "temporary files left behind")
}

// blobs of an OCI layout written by writeLayout: the manifest, config and
// layer files, by following index.json.
type layoutBlobs struct {
	index, manifest, config string
	layers                  []string
}

func findBlobs(t *testing.T, dir string) layoutBlobs {
	t.Helper()
	var idx struct {
		Manifests []struct{ MediaType, Digest string }
	}
	readJSON(t, filepath.Join(dir, "index.json"), &idx)
	b := layoutBlobs{}
	d := idx.Manifests[0]
	for strings.Contains(d.MediaType, "index") {
		b.index = blobFile(dir, d.Digest)
		readJSON(t, b.index, &idx)
		d = idx.Manifests[0]
	}
	b.manifest = blobFile(dir, d.Digest)
	var m struct {
		Config struct{ Digest string }
		Layers []struct{ Digest string }
	}
	readJSON(t, b.manifest, &m)
	b.config = blobFile(dir, m.Config.Digest)
	for _, l := range m.Layers {
		b.layers = append(b.layers, blobFile(dir, l.Digest))
	}
	return b
}

func blobFile(dir, dg string) string {
	return filepath.Join(dir, "blobs", strings.Replace(dg, ":", "/", 1))
}

func readJSON(t *testing.T, file string, v any) {
	t.Helper()
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, v))
}

// edit rewrites a file in place (blobs are written read-only).
func edit(t *testing.T, file string, fn func([]byte) []byte) {
	t.Helper()
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	require.NoError(t, os.Chmod(file, 0o644))
	require.NoError(t, os.WriteFile(file, fn(data), 0o644))
}

// flip changes one byte in the middle: same size, other content.
func flip(b []byte) []byte {
	c := bytes.Clone(b)
	c[len(c)/2] ^= 0x20
	return c
}

func nestedLayout(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "nested")
	p, err := layout.Write(dir, empty.Index)
	require.NoError(t, err)
	idx := mutate.AppendManifests(empty.Index, mutate.IndexAddendum{Add: twoLayers(t)})
	require.NoError(t, p.AppendIndex(idx))
	return dir
}

// TestIssue17VerifiedBlobs is issue 17's second case: a layout whose blob
// does not match its digest (or size) was checked as it was; skopeo refuses
// it. Every blob is verified now, in the layout and in the archives, and the
// error names the blob.
func TestIssue17VerifiedBlobs(t *testing.T) {
	for _, tc := range []struct {
		name   string
		layout func(t *testing.T) string
		blob   func(b layoutBlobs) string
		change func([]byte) []byte
		want   []string
	}{
		{"layer content changed", writeLayoutT, func(b layoutBlobs) string { return b.layers[1] }, flip,
			[]string{"layer 2 of 2 (sha256:", "does not match its digest"}},
		{"layer longer than its descriptor", writeLayoutT, func(b layoutBlobs) string { return b.layers[0] },
			func(d []byte) []byte { return append(bytes.Clone(d), 0) }, []string{"layer 1 of 2", "longer than the"}},
		{"layer shorter than its descriptor", writeLayoutT, func(b layoutBlobs) string { return b.layers[0] },
			func(d []byte) []byte { return d[:len(d)-1] }, []string{"layer 1 of 2", "bytes, its descriptor says"}},
		{"manifest changed", writeLayoutT, func(b layoutBlobs) string { return b.manifest },
			func(d []byte) []byte {
				return bytes.Replace(d, []byte(`"schemaVersion":2`), []byte(`"schemaVersion":3`), 1)
			},
			[]string{"the manifest sha256:", "does not match its digest"}},
		{"config changed", writeLayoutT, func(b layoutBlobs) string { return b.config },
			func(d []byte) []byte { return bytes.Replace(d, []byte(`"arm64"`), []byte(`"amd64"`), 1) },
			[]string{"the image config sha256:", "does not match its digest"}},
		{"nested index changed", nestedLayout, func(b layoutBlobs) string { return b.index },
			func(d []byte) []byte { return append(bytes.Clone(d), ' ') }, []string{"the nested index sha256:", "longer than"}},
		{"layer missing", writeLayoutT, func(b layoutBlobs) string { return b.layers[0] }, nil,
			[]string{"layer 1 of 2", "no such file"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := tc.layout(t)
			file := tc.blob(findBlobs(t, dir))
			if tc.change == nil {
				require.NoError(t, os.Remove(file))
			} else {
				edit(t, file, tc.change)
			}
			requireBadInput(t, "oci:"+dir, tc.want...)
			archiveWant := tc.want
			if tc.change == nil {
				archiveWant = []string{tc.want[0], "does not exist"}
			}
			requireBadInput(t, "oci-archive:"+tarDir(t, dir), archiveWant...)
		})
	}
}

func writeLayoutT(t *testing.T) string { return writeLayout(t, twoLayers(t), "qm:test") }

// rewriteTar rewrites the members of a tar file.
func rewriteTar(t *testing.T, file string, fn func(name string, data []byte) []byte) {
	t.Helper()
	in, err := os.ReadFile(file)
	require.NoError(t, err)
	var out bytes.Buffer
	tr, tw := tar.NewReader(bytes.NewReader(in)), tar.NewWriter(&out)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		data, err := io.ReadAll(tr)
		require.NoError(t, err)
		data = fn(h.Name, data)
		h.Size = int64(len(data))
		require.NoError(t, tw.WriteHeader(h))
		_, err = tw.Write(data)
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	require.NoError(t, os.WriteFile(file, out.Bytes(), 0o644))
}

// TestIssue17VerifiedDockerArchive: a docker archive records no digests of
// its own; its config is named by its digest and lists the layers'
// uncompressed digests (diff_ids). Both are checked.
func TestIssue17VerifiedDockerArchive(t *testing.T) {
	other := writeDockerArchive(t, image(t, "arm64", tarBytes(t, []entry{{name: "x", body: "x"}})))
	var otherLayer []byte
	rewriteTar(t, other, func(name string, data []byte) []byte {
		if strings.HasSuffix(name, ".tar.gz") {
			otherLayer = data
		}
		return data
	})
	for _, tc := range []struct {
		name   string
		change func(name string, data []byte) []byte
		want   []string
	}{
		{"a layer swapped for another valid layer", func(name string, data []byte) []byte {
			if strings.HasSuffix(name, ".tar.gz") && otherLayer != nil {
				d := otherLayer
				otherLayer = nil // the first layer only
				return d
			}
			return data
		}, []string{"layer 1 of 2", "uncompressed (diff_id)", "does not match its digest"}},
		{"the config changed", func(name string, data []byte) []byte {
			if strings.HasPrefix(name, "sha256:") {
				return bytes.Replace(data, []byte(`"arm64"`), []byte(`"amd64"`), 1)
			}
			return data
		}, []string{"the image config sha256:", "does not match its digest"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := writeDockerArchive(t, twoLayers(t))
			rewriteTar(t, f, tc.change)
			requireBadInput(t, "docker-archive:"+f, tc.want...)
		})
	}
}

// TestIssue17LongPAXNames: an image with PAX path names of about 1 MiB each
// took gigabytes of memory (1,500 of them: 5 GB). A path longer than
// PATH_MAX cannot be unpacked by any runtime: it is refused at the first.
func TestIssue17LongPAXNames(t *testing.T) {
	var entries []entry
	for i := 0; i < 20; i++ {
		entries = append(entries, entry{name: fmt.Sprintf("d/%d/%s", i, strings.Repeat("n/", 500<<10)+"f"), body: "x"})
	}
	img := image(t, "amd64", tarBytes(t, entries))
	requireBadInput(t, "oci:"+writeLayout(t, img, "qm:test"), "a path of", "MaxPath")
	requireBadInput(t, "docker-archive:"+writeDockerArchive(t, img), "a path of", "MaxPath")
}

// TestIssue17PackageDirectories: `check rpms:` skipped *.rpm files that are
// symbolic links, and anything that was not a regular file, silently. A link
// inside the directory is followed; a link out of it, a FIFO or a device is
// an error naming it.
func TestIssue17PackageDirectories(t *testing.T) {
	mk := func(t *testing.T) string {
		dir := t.TempDir()
		require.NoError(t, os.MkdirAll(filepath.Join(dir, "x86_64"), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "x86_64", "qm-1-1.noarch.rpm"), []byte("rpm"), 0o644))
		return dir
	}
	t.Run("a link inside is listed", func(t *testing.T) {
		dir := mk(t)
		require.NoError(t, os.Symlink("x86_64/qm-1-1.noarch.rpm", filepath.Join(dir, "qm-link.rpm")))
		tg, err := Open("rpms:"+dir, Options{TempDir: t.TempDir()})
		require.NoError(t, err)
		defer tg.Close()
		require.Equal(t, []string{"qm-link.rpm", "x86_64/qm-1-1.noarch.rpm"}, tg.Packages.Files)
		f, err := tg.Packages.Open("qm-link.rpm")
		require.NoError(t, err)
		f.Close()
	})
	outside := filepath.Join(t.TempDir(), "outside.rpm")
	require.NoError(t, os.WriteFile(outside, []byte("rpm"), 0o644))
	for _, tc := range []struct {
		name string
		make func(dir string) error
		want string
	}{
		{"a link out of the directory", func(dir string) error { return os.Symlink(outside, filepath.Join(dir, "out.rpm")) }, "out.rpm"},
		{"a relative link climbing out", func(dir string) error {
			return os.Symlink("../../../../../"+outside, filepath.Join(dir, "x86_64", "climb.rpm"))
		}, "x86_64/climb.rpm"},
		{"a dangling link", func(dir string) error { return os.Symlink("nowhere.rpm", filepath.Join(dir, "dangling.rpm")) }, "dangling.rpm"},
		{"a FIFO", func(dir string) error { return syscall.Mkfifo(filepath.Join(dir, "fifo.rpm"), 0o644) }, "fifo.rpm is a FIFO"},
		{"a device", func(dir string) error {
			return syscall.Mknod(filepath.Join(dir, "zero.rpm"), syscall.S_IFCHR|0o644, 1<<8|5)
		}, "zero.rpm is a character device"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := mk(t)
			require.NoError(t, tc.make(dir))
			requireBadInput(t, "rpms:"+dir, tc.want)
			if !strings.Contains(tc.want, "/") {
				requireBadInput(t, dir, tc.want) // recognised by its top-level *.rpm
			}
		})
	}
}

// TestIssue17RepoMetadata: `check repo:` read repodata/repomd.xml through a
// symbolic link out of the repository, and read whatever it was (a 3 GB
// sparse file, /dev/zero). It is read inside the repository only, as a
// regular file of bounded size, checked before a byte is read.
func TestIssue17RepoMetadata(t *testing.T) {
	good := `<repomd><revision>1</revision></repomd>`
	outside := filepath.Join(t.TempDir(), "repomd.xml")
	require.NoError(t, os.WriteFile(outside, []byte(good), 0o644))
	for _, tc := range []struct {
		name string
		make func(md string) error
		want string
	}{
		{"a link out of the repository", func(md string) error { return os.Symlink(outside, md) }, "repomd.xml"},
		{"a relative link climbing out", func(md string) error { return os.Symlink("../../../../../../"+outside, md) }, "repomd.xml"},
		{"a 3 GB sparse file", func(md string) error {
			if err := os.WriteFile(md, nil, 0o644); err != nil {
				return err
			}
			return os.Truncate(md, 3<<30)
		}, "MaxRepoMD"},
		{"a device", func(md string) error { return syscall.Mknod(md, syscall.S_IFCHR|0o644, 1<<8|5) }, "not a regular file (a character device)"},
		{"a FIFO", func(md string) error { return syscall.Mkfifo(md, 0o644) }, "not a regular file (a FIFO)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.MkdirAll(filepath.Join(dir, "repodata"), 0o755))
			require.NoError(t, tc.make(filepath.Join(dir, "repodata", "repomd.xml")))
			requireBadInput(t, "repo:"+dir, tc.want)
		})
	}
}

// TestIssue12RecognisesForms: `check PATH` recognises what it is given.
func TestIssue12RecognisesForms(t *testing.T) {
	img := twoLayers(t)
	lay := writeLayout(t, img, "qm:test")
	repo := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(repo, "repodata"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(repo, "repodata", "repomd.xml"), []byte(`<repomd/>`), 0o644))
	rpms := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(rpms, "qm-1-1.noarch.rpm"), []byte("rpm"), 0o644))
	tree := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(tree, "etc", "qm"), 0o755))
	for _, tc := range []struct {
		name, path string
		want       Kind
	}{
		{"an OCI layout directory", lay, KindOCI},
		{"an OCI archive", tarDir(t, lay), KindOCIArchive},
		{"a docker archive", writeDockerArchive(t, img), KindDockerArchive},
		{"a repository", repo, KindRepo},
		{"a directory of RPMs", rpms, KindRPMs},
		{"a plain tree", tree, KindTree},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tmp := t.TempDir()
			tg, err := Open(tc.path, Options{TempDir: tmp})
			require.NoError(t, err)
			require.Equal(t, tc.want, tg.Kind)
			if tc.want.IsImage() && tc.want != KindTree {
				require.Equal(t, "aarch64", tg.Arch)
				data, err := ReadFile(tg.FS, "/etc/qm/link")
				require.NoError(t, err)
				require.Equal(t, "kept\n", string(data))
			}
			require.NoError(t, tg.Close())
			left, _ := os.ReadDir(tmp)
			require.Empty(t, left)
		})
	}
}
