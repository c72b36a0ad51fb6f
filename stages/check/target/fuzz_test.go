package target

import (
	"archive/tar"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzOpenArchive feeds arbitrary bytes to the archive readers: as a
// docker-archive, as an oci-archive, and as a flattened layer stream. Any
// input gives a target or an *Error (bad input, exit status 2) with a reason;
// nothing panics, and nothing is left in the temporary directory.
func FuzzOpenArchive(f *testing.F) {
	docker, err := os.ReadFile(writeDockerArchive(f, twoLayers(f)))
	require.NoError(f, err)
	oci, err := os.ReadFile(tarDir(f, writeLayout(f, twoLayers(f), "qm:test")))
	require.NoError(f, err)
	for _, seed := range [][]byte{
		docker, oci, docker[:len(docker)/3],
		tarBytes(f, []entry{{name: "../../etc/evil", body: "x"}}),
		tarBytes(f, []entry{{name: "etc/qm/a", body: "a"}, {name: "etc/qm/h", typ: tar.TypeLink, link: "etc/qm/missing"}}),
		tarBytes(f, []entry{{name: "/abs/../../x", body: "a"}, {name: "etc/l", typ: tar.TypeSymlink, link: "../../../etc/shadow"}}),
		[]byte("garbage"),
	} {
		for kind := uint8(0); kind < 3; kind++ {
			f.Add(seed, kind)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, kind uint8) {
		tmp := t.TempDir()
		in := filepath.Join(t.TempDir(), "input.tar")
		require.NoError(t, os.WriteFile(in, data, 0o644))
		switch kind % 3 {
		case 0, 1:
			spec := []string{"docker-archive:", "oci-archive:"}[kind%3] + in
			tg, err := Open(spec, Options{TempDir: tmp})
			if err != nil {
				var te *Error
				require.True(t, errors.As(err, &te), "%T: %v", err, err)
				require.NotEmpty(t, strings.TrimPrefix(err.Error(), "target "+spec+": "))
			} else {
				walkAll(t, tg.FS)
				require.NoError(t, tg.Close())
			}
		case 2:
			fsys, err := flattenBytes(tmp, Limits{}, data)
			if err == nil {
				walkAll(t, fsys)
				require.NoError(t, fsys.Close())
			}
		}
		left, err := os.ReadDir(tmp)
		require.NoError(t, err)
		require.Empty(t, left, "temporary files left behind")
	})
}

// walkAll reads every entry and every file, the way the rules do.
func walkAll(t *testing.T, fsys FS) {
	require.NoError(t, fsys.Walk(func(e Entry, head []byte) error {
		if !strings.HasPrefix(e.Path, "/") || strings.Contains(e.Path, "/../") {
			t.Fatalf("entry path %q is not a clean image path", e.Path)
		}
		if e.Mode.IsRegular() {
			_, _ = ReadFile(fsys, e.Path)
		}
		if e.Mode.IsDir() {
			_, _ = fsys.ReadDir(e.Path)
		}
		_, _ = Resolve(fsys, e.Path)
		return nil
	}, WalkOptions{Head: true}))
}

// FuzzParseRepodata: repomd.xml and primary.xml parse or fail, never panic,
// and never accept a location that climbs out of the repository.
func FuzzParseRepodata(f *testing.F) {
	f.Add([]byte(`<repomd><data type="primary"><checksum type="sha256">ab</checksum><location href="repodata/p.xml"/></data></repomd>`))
	f.Add([]byte(`<repomd><data type="primary"><location href="../../etc/passwd"/></data></repomd>`))
	f.Add([]byte(`<metadata><package type="rpm"><name>qm</name><version epoch="0" ver="1" rel="1"/><location href="qm.rpm"/></package></metadata>`))
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
