package repodata_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
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

// FuzzSplitMetadata feeds arbitrary documents to update mode's canonical
// scanner, seeded with the golden documents. Whatever it accepts, the full
// parse must read too, to entries that render exactly the elements it would
// copy verbatim, with the same identity: copying is then indistinguishable
// from decoding and rendering again.
func FuzzSplitMetadata(f *testing.F) {
	for _, prefix := range []string{"", "crafted-"} {
		var docs [3][]byte
		for k, kind := range []string{repodata.Primary, repodata.Filelists, repodata.Other} {
			data, err := os.ReadFile(filepath.Join("testdata", "golden", prefix+kind+".xml"))
			if err != nil {
				f.Fatal(err)
			}
			docs[k] = data
		}
		f.Add(docs[0], docs[1], docs[2])
	}
	f.Fuzz(func(t *testing.T, primary, filelists, other []byte) {
		got, elems, err := repodata.SplitMetadata(primary, filelists, other)
		if err != nil {
			return
		}
		full, err := repodata.ParseExisting(primary, filelists, other)
		if err != nil {
			t.Fatalf("accepted verbatim, refused by the full parse: %v", err)
		}
		if len(full) != len(got) {
			t.Fatalf("%d entries verbatim, %d parsed", len(got), len(full))
		}
		for loc, g := range got {
			p := full[loc]
			if p == nil {
				t.Fatalf("%q not in the full parse", loc)
			}
			identity := func(p *repodata.Package) []any {
				return []any{p.Name, p.Arch, p.Epoch, p.Version, p.Release, p.PkgID, p.Location, p.PackageSize, p.FileTime}
			}
			if !reflect.DeepEqual(identity(g), identity(p)) {
				t.Fatalf("verbatim %q, parsed %q", identity(g), identity(p))
			}
			docs := repodata.Render([]*repodata.Package{p}, 1)
			for k, kind := range []string{repodata.Primary, repodata.Filelists, repodata.Other} {
				doc := docs[kind]
				elem := doc[bytes.Index(doc, []byte("<package")):bytes.LastIndex(doc, []byte("</"))]
				if !bytes.Equal(elem, elems[loc][k]) {
					t.Fatalf("%q %s: verbatim\n%s\nrendered\n%s", loc, kind, elems[loc][k], elem)
				}
			}
		}
	})
}
