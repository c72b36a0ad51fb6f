package repodata_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/qm-build/qm-build/stages/publish/repodata"
)

// FuzzReadRPM feeds arbitrary bytes to the RPM reader, seeded with the RPMs
// in testdata/seed: it must return a package or an error, never panic or
// allocate without bound; an accepted package must render.
func FuzzReadRPM(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/seed/*.rpm")
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := repodata.ReadRPM(bytes.NewReader(data), repodata.File{Location: "fuzz.rpm"}, -1)
		if err != nil {
			return
		}
		repodata.Render([]*repodata.Package{p}, 1)
	})
}

// FuzzParseMetadata feeds arbitrary bytes to the metadata parsers, seeded
// with the golden files; whatever parses as primary must render and parse
// back to the same entries.
func FuzzParseMetadata(f *testing.F) {
	for _, name := range []string{"primary.xml", "filelists.xml", "other.xml", "repomd.xml"} {
		data, err := os.ReadFile(filepath.Join("testdata", "golden", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = repodata.ParseRepomd(bytes.NewReader(data), "fuzz")
		_, _ = repodata.ParseFilelists(bytes.NewReader(data), "fuzz")
		_, _ = repodata.ParseOther(bytes.NewReader(data), "fuzz")
		pkgs, err := repodata.ParsePrimary(bytes.NewReader(data), "fuzz")
		if err != nil {
			return
		}
		doc := repodata.Render(pkgs, 1)[repodata.Primary]
		again, err := repodata.ParsePrimary(bytes.NewReader(doc), "again")
		if err != nil {
			t.Fatalf("re-parsing rendered primary: %v\n%s", err, doc)
		}
		if len(again) != len(pkgs) {
			t.Fatalf("%d packages became %d", len(pkgs), len(again))
		}
	})
}
