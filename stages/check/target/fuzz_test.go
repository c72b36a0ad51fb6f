package target

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/test/golden"
)

// The fuzz targets of the readers: archives (FuzzOpenArchive), layer tars
// with PAX records and whiteouts (FuzzFlatten), the JSON of indexes,
// manifests and configs (FuzzImageJSON), and repodata (FuzzParseRepodata).
// Their seeds are in testdata/fuzz/NAME/, written from real fixtures by
// TestFuzzSeeds (go test -run TestFuzzSeeds -update rewrites them).

// FuzzOpenArchive feeds arbitrary bytes to the archive readers: as a
// docker-archive, as an oci-archive, and as a bare file to recognise. Any
// input gives a target or an rpmspec.InputError (bad input, exit status 2) with a reason;
// nothing panics, and nothing is left in the temporary directory.
func FuzzOpenArchive(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, kind uint8) {
		tmp := t.TempDir()
		in := filepath.Join(t.TempDir(), "input.tar")
		require.NoError(t, os.WriteFile(in, data, 0o644))
		spec := []string{"docker-archive:", "oci-archive:", ""}[kind%3] + in
		tg, err := Open(spec, Options{TempDir: tmp})
		if err != nil {
			var te *rpmspec.InputError
			require.True(t, errors.As(err, &te), "%T: %v", err, err)
			require.NotEmpty(t, strings.TrimPrefix(err.Error(), "target "+spec+": "))
		} else {
			walkAll(t, tg.FS)
			require.NoError(t, tg.Close())
		}
		left, err := os.ReadDir(tmp)
		require.NoError(t, err)
		require.Empty(t, left, "temporary files left behind")
	})
}

// FuzzFlatten applies two arbitrary layers (tar, gzip or zstd): the result
// is an error or a consistent tree whose every path is clean and absolute,
// and which Walk, Lstat and ReadDir agree on, with every regular file an
// inode whose link count is the names it has.
func FuzzFlatten(f *testing.F) {
	f.Fuzz(func(t *testing.T, lower, upper []byte) {
		tmp := t.TempDir()
		fsys, err := flattenBytes(tmp, Limits{MaxEntries: 4096, MaxUnpacked: 64 << 20, MaxSpool: 64 << 20}, lower, upper)
		if err != nil {
			return
		}
		defer fsys.Close()
		n := walkAll(t, fsys)
		require.Equal(t, fsys.t.entries, n, "Walk sees every counted entry")
		names, links := map[FileID]uint64{}, map[FileID]uint64{}
		require.NoError(t, fsys.Walk(func(e Entry, _ []byte) error {
			if e.Mode.IsRegular() {
				id, n, err := fsys.Identify(e.Path)
				require.NoError(t, err, e.Path)
				names[id]++
				links[id] = n
			}
			return nil
		}, WalkOptions{}))
		require.Equal(t, names, links, "an inode's link count is the names it has in the image")
	})
}

// walkAll reads every entry and every file, the way the rules do, and
// returns how many entries Walk gave.
func walkAll(t *testing.T, fsys FS) int {
	n := 0
	require.NoError(t, fsys.Walk(func(e Entry, head []byte) error {
		n++
		if c, err := Clean(e.Path); err != nil || c != e.Path {
			t.Fatalf("entry path %q is not a clean image path", e.Path)
		}
		if len(head) > HeadSize {
			t.Fatalf("head of %s is %d bytes", e.Path, len(head))
		}
		if e.Mode.IsRegular() {
			_, _ = ReadFile(fsys, e.Path)
		}
		if e.Mode.IsDir() {
			_, err := fsys.ReadDir(e.Path)
			require.NoError(t, err, e.Path)
		}
		l, err := fsys.Lstat(e.Path)
		require.NoError(t, err, e.Path)
		require.Equal(t, e.Mode, l.Mode, e.Path)
		_, _ = Resolve(fsys, e.Path)
		return nil
	}, WalkOptions{Head: true}))
	return n
}

// FuzzImageJSON parses arbitrary JSON as an index, a manifest, a config and
// a docker manifest.json: nothing panics, and every accepted digest names a
// blob path that stays in blobs/ALG/.
func FuzzImageJSON(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, kind uint8) {
		check := func(d digest) {
			p := blobPath(d)
			require.NotContains(t, p, "..")
			require.Equal(t, 3, strings.Count(p, "/")+1, p)
		}
		switch kind % 4 {
		case 0:
			refs, err := parseIndex(data)
			if err == nil {
				for _, r := range refs {
					check(r.digest)
					require.GreaterOrEqual(t, r.size, int64(0))
				}
			}
		case 1:
			cfg, layers, err := parseManifest(data, "")
			if err == nil {
				check(cfg.digest)
				for _, l := range layers {
					check(l.digest)
					_, err := layerCompression(l.mediaType)
					require.NoError(t, err)
				}
			}
		case 2:
			_, ids, err := parseConfig(data, 2)
			if err == nil {
				require.Len(t, ids, 2)
				for _, d := range ids {
					check(d)
				}
			}
		case 3:
			ms, err := parseDockerManifest(data)
			if err == nil {
				require.NotEmpty(t, ms)
				_, _ = selectDockerImage(ms, "@0")
				for _, m := range ms {
					if d, ok := nameDigest(m.Config); ok {
						check(d)
					}
				}
			}
		}
	})
}

// FuzzParseRepodata: repomd.xml and primary.xml parse or fail, never panic,
// and never accept a location that climbs out of the repository.
func FuzzParseRepodata(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		if md, err := ParseRepoMD(bytes.NewReader(data)); err == nil {
			for _, d := range md.Data {
				_, cerr := Clean(d.Location.Href)
				require.NoError(t, cerr)
			}
		}
		if p, err := ParsePrimary(bytes.NewReader(data), "primary.xml"); err == nil {
			for _, pkg := range p.Packages {
				require.NotContains(t, "/"+pkg.Location.Href+"/", "/../")
			}
		}
	})
}

// seedFile encodes fuzz arguments in the corpus file format of go test.
func seedFile(args ...any) []byte {
	var b bytes.Buffer
	b.WriteString("go test fuzz v1\n")
	for _, a := range args {
		switch v := a.(type) {
		case []byte:
			fmt.Fprintf(&b, "[]byte(%q)\n", v)
		case uint8:
			fmt.Fprintf(&b, "byte(%q)\n", v)
		default:
			panic(fmt.Sprintf("seedFile: %T", a))
		}
	}
	return b.Bytes()
}

// TestFuzzSeeds keeps testdata/fuzz in step with the fixtures it is made
// from: real archives, layers and JSON written by go-containerregistry and
// the layer cases of the flattening tests.
func TestFuzzSeeds(t *testing.T) {
	img := twoLayers(t)
	lay := writeLayout(t, img, "qm:test")
	docker, err := os.ReadFile(writeDockerArchive(t, img))
	require.NoError(t, err)
	oci, err := os.ReadFile(tarDir(t, lay))
	require.NoError(t, err)
	b := findBlobs(t, lay)
	read := func(p string) []byte {
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		return data
	}
	var dockerManifest []byte
	rewriteTarRead(t, docker, func(name string, data []byte) {
		if name == "manifest.json" {
			dockerManifest = data
		}
	})
	layer := func(es ...entry) []byte { return tarBytes(t, es) }
	seeds := map[string]map[string][]byte{
		"FuzzOpenArchive": {
			"docker-archive":   seedFile(docker, uint8(0)),
			"oci-archive":      seedFile(oci, uint8(1)),
			"docker-by-name":   seedFile(docker, uint8(2)),
			"oci-truncated":    seedFile(oci[:len(oci)/3], uint8(1)),
			"escaping-members": seedFile(layer(entry{name: "../../x", body: "x"}), uint8(2)),
		},
		"FuzzFlatten": {
			"whiteouts": seedFile(
				layer(entry{name: "etc/a", body: "a"}, entry{name: "d/x", body: "x"}, entry{name: "bin/su", body: "su", mode: 0o4755}),
				layer(entry{name: "etc/.wh.a"}, entry{name: "d/.wh..wh..opq"}, entry{name: "d/y", body: "y"},
					entry{name: "bin/su2", typ: tar.TypeLink, link: "bin/su"})),
			"links": seedFile(
				layer(entry{name: "srv/p", body: "p"}, entry{name: "etc/l", typ: tar.TypeSymlink, link: "../../../../srv/p"}),
				layer(entry{name: "etc/l/x", body: "under a link"})),
			"hard-links": seedFile(
				layer(entry{name: "etc/a", body: "a"}, entry{name: "var/b", typ: tar.TypeLink, link: "etc/a"},
					entry{name: "srv/c", typ: tar.TypeLink, link: "etc/a"}, entry{name: "etc/e"}, entry{name: "var/e", typ: tar.TypeLink, link: "etc/e"}),
				layer(entry{name: "var/.wh.b"}, entry{name: "srv/c", body: "new"}, entry{name: "opt/d", typ: tar.TypeLink, link: "etc/a"},
					entry{name: "etc/e", typ: tar.TypeLink, link: "etc/e"})),
			"layers-of-an-image": seedFile(read(b.layers[0]), read(b.layers[1])),
			"escaping":           seedFile(layer(entry{name: "/a/../../x", body: "x"}), layer(entry{name: "h", typ: tar.TypeLink, link: "missing"})),
		},
		"FuzzImageJSON": {
			"index":           seedFile(read(filepath.Join(lay, "index.json")), uint8(0)),
			"manifest":        seedFile(read(b.manifest), uint8(1)),
			"config":          seedFile(read(b.config), uint8(2)),
			"docker-manifest": seedFile(dockerManifest, uint8(3)),
			"bad-digest":      seedFile([]byte(`{"schemaVersion":2,"manifests":[{"mediaType":"`+mediaOCIManifest+`","digest":"sha256:../../etc","size":1}]}`), uint8(0)),
		},
		"FuzzParseRepodata": {
			"repomd":  seedFile([]byte(`<repomd><data type="primary"><checksum type="sha256">ab</checksum><location href="repodata/p.xml"/></data></repomd>`)),
			"escape":  seedFile([]byte(`<repomd><data type="primary"><location href="../../etc/passwd"/></data></repomd>`)),
			"primary": seedFile([]byte(`<metadata><package type="rpm"><name>qm</name><version epoch="0" ver="1" rel="1"/><location href="qm.rpm"/></package></metadata>`)),
		},
	}
	for fuzz, files := range seeds {
		for name, data := range files {
			golden.Check(t, filepath.Join("testdata", "fuzz", fuzz, name), data)
		}
	}
}

// rewriteTarRead calls fn for every member of a tar.
func rewriteTarRead(t *testing.T, data []byte, fn func(name string, data []byte)) {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		h, err := tr.Next()
		if err != nil {
			return
		}
		var b bytes.Buffer
		_, err = b.ReadFrom(tr)
		require.NoError(t, err)
		fn(h.Name, b.Bytes())
	}
}
