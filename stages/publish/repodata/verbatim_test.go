package repodata_test

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/stages/publish/publishtest/testrpm"
	"github.com/qm-build/qm-build/stages/publish/repodata"
	"github.com/qm-build/qm-build/test/golden"
)

// craftedPackages exercise what the canonical scanner must accept: every
// escape of text and attributes, raw tabs and newlines in text, UTF-8, empty
// values, every dependency list with flags, EVR parts and pre, directory and
// ghost files, files primary lists and files it does not, multi-line
// changelogs, and two locations of one package (the same pkgid).
func craftedPackages() []*repodata.Package {
	esc := &repodata.Package{
		PkgID: strings.Repeat("ab", 32), ChecksumType: "sha256",
		Name: `esc<a>&"b'`, Arch: "x86_64", Epoch: "3", Version: "1.0&beta", Release: `1"q"`,
		Summary:     "tab\there & <tags> \"quoted\" ]]> end\r",
		Description: "line one\nline two\n\n  indented é ü 日本",
		Packager:    "Ann <ann@example.org>", URL: "https://example.org/?a=1&b=2",
		FileTime: 1710000000, BuildTime: -1, PackageSize: 4096, InstalledSize: 0, ArchiveSize: 9223372036854775807,
		Location: "sub dir/esc&<x>.rpm",
		License:  "MIT & BSD", Group: "Unspecified", BuildHost: "h\tost", SourceRPM: "esc-1.0-1.src.rpm",
		HeaderStart: 280, HeaderEnd: 4000,
		Provides: []repodata.Dependency{{Name: "esc", Flags: "EQ", Epoch: "3", Version: "1.0&beta", Release: `1"q"`}, {Name: "cap(x)"}},
		Requires: []repodata.Dependency{
			{Name: "/bin/sh", Pre: true}, {Name: "lib<x>", Flags: "GE", Epoch: "0", Version: "2"},
			{Name: "tool", Flags: "LT", Version: "3", Release: "1", Pre: true}, {Name: "libc.so.6(GLIBC_2.34)(64bit)"},
		},
		Conflicts: []repodata.Dependency{{Name: "old", Flags: "LE", Epoch: "1", Version: "0.9"}},
		Obsoletes: []repodata.Dependency{{Name: "older"}},
		Suggests:  []repodata.Dependency{{Name: "s"}}, Enhances: []repodata.Dependency{{Name: "e", Flags: "GT", Version: "1"}},
		Recommends: []repodata.Dependency{{Name: "r"}}, Supplements: []repodata.Dependency{{Name: "(a and b)"}},
		Files: []repodata.PackageFile{
			{Path: "/etc/esc\n.conf"}, {Path: "/usr/bin/a&b<c>"}, {Path: "/usr/share/doc/esc", Type: "dir"},
			{Path: "/var/log/esc.log", Type: "ghost"}, {Path: "/opt/esc/data"}, {Path: "/usr/lib/sendmail"}, {Path: "/etc/esc.d", Type: "dir"},
		},
		Changelogs: []repodata.Changelog{
			{Author: "Ann <ann@example.org> - 1.0-1", Date: 1600000000, Text: "- first\n- second & <third>"},
			{Author: "", Date: 0, Text: ""},
		},
	}
	copyOf := *esc
	copyOf.Location = "z/copy.rpm"
	bare := &repodata.Package{PkgID: "0", ChecksumType: "sha256", Location: "bare.rpm", FileTime: -5}
	return []*repodata.Package{bare, esc, &copyOf}
}

// element returns the <package> element of a one-package document.
func element(doc []byte) []byte {
	return doc[bytes.Index(doc, []byte("<package")):bytes.LastIndex(doc, []byte("</"))]
}

// indexedPackages reads the goldenSpecs, generated packages, the project's
// packages and the rich rpmbuild package as Generate would.
func indexedPackages(t *testing.T) []*repodata.Package {
	t.Helper()
	dir := t.TempDir()
	rpms := testrpm.Write(t, dir, append(goldenSpecs, testrpm.Generated(20)...)...)
	rpms = append(rpms, testrpm.WriteProject(t, dir, nil)...)
	rpms = append(rpms, buildRich(t))
	var out []*repodata.Package
	for _, f := range rpms {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		p, err := repodata.ReadRPM(bytes.NewReader(data), repodata.File{Location: "p/" + filepath.Base(f), Size: int64(len(data)), ModTime: fixedTime.Unix()}, repodata.DefaultChangelogLimit)
		require.NoError(t, err)
		out = append(out, p)
	}
	return out
}

// TestVerbatimIsWriterOutput checks the premise of copying verbatim: every
// package's elements in a document the writer produced are exactly what the
// writer produces for that package alone, and the full parse reads them
// back to entries that render the same bytes.
func TestVerbatimIsWriterOutput(t *testing.T) {
	for _, tc := range []struct {
		name string
		pkgs func(*testing.T) []*repodata.Package
	}{
		{"crafted entries", func(*testing.T) []*repodata.Package { return craftedPackages() }},
		{"real RPMs", indexedPackages},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pkgs := tc.pkgs(t)
			docs := repodata.Render(pkgs, 3)
			got, elems, err := repodata.SplitMetadata(docs[repodata.Primary], docs[repodata.Filelists], docs[repodata.Other])
			require.NoError(t, err)
			require.Len(t, got, len(pkgs))
			full, err := repodata.ParseExisting(docs[repodata.Primary], docs[repodata.Filelists], docs[repodata.Other])
			require.NoError(t, err)
			for _, p := range pkgs {
				one := repodata.Render([]*repodata.Package{p}, 1)
				again := repodata.Render([]*repodata.Package{full[p.Location]}, 1)
				for k, kind := range []string{repodata.Primary, repodata.Filelists, repodata.Other} {
					require.Equal(t, string(element(one[kind])), string(elems[p.Location][k]), "%s %s", p.Location, kind)
					require.Equal(t, string(element(again[kind])), string(elems[p.Location][k]), "%s %s after the full parse", p.Location, kind)
				}
				g := got[p.Location]
				require.Equal(t, []string{p.PkgID, p.Name, p.Arch, p.Epoch, p.Version, p.Release, p.NEVRA()},
					[]string{g.PkgID, g.Name, g.Arch, g.Epoch, g.Version, g.Release, g.NEVRA()})
				require.Equal(t, []int64{p.PackageSize, p.FileTime}, []int64{g.PackageSize, g.FileTime})
			}
			// Verbatim entries render as themselves, in any company.
			var mixed []*repodata.Package
			for _, p := range pkgs {
				mixed = append(mixed, got[p.Location])
			}
			mixed[0] = pkgs[0]
			require.Equal(t, docs, repodata.Render(mixed, 2))
		})
	}
}

func TestGoldenCrafted(t *testing.T) {
	docs := repodata.Render(craftedPackages(), 1)
	for _, kind := range []string{repodata.Primary, repodata.Filelists, repodata.Other} {
		t.Run(kind, func(t *testing.T) { golden.Check(t, goldenPath("crafted-"+kind+".xml"), docs[kind]) })
	}
}

// rewriteMetadata replaces one metadata file of dir's repodata with
// edit(its document), re-compressed, and points repomd.xml at it.
func rewriteMetadata(t *testing.T, dir, kind string, edit func([]byte) []byte) {
	t.Helper()
	name := filepath.Join(dir, "repodata", "repomd.xml")
	md, err := repodata.ParseRepomd(bytes.NewReader(readAll(t, name)), name)
	require.NoError(t, err)
	for i, d := range md.Data {
		if d.Type != kind {
			continue
		}
		zr, err := gzip.NewReader(bytes.NewReader(readAll(t, filepath.Join(dir, d.Location))))
		require.NoError(t, err)
		var open bytes.Buffer
		_, err = open.ReadFrom(zr)
		require.NoError(t, err)
		doc := edit(open.Bytes())
		require.NotEqual(t, open.String(), string(doc), "the edit changes the document")
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		_, err = zw.Write(doc)
		require.NoError(t, err)
		require.NoError(t, zw.Close())
		gsum, osum := sha256.Sum256(gz.Bytes()), sha256.Sum256(doc)
		require.NoError(t, os.Remove(filepath.Join(dir, d.Location)))
		d.Checksum, d.OpenChecksum = hex.EncodeToString(gsum[:]), hex.EncodeToString(osum[:])
		d.Size, d.OpenSize = int64(gz.Len()), int64(len(doc))
		d.Location = path.Join("repodata", d.Checksum+"-"+kind+".xml.gz")
		require.NoError(t, os.WriteFile(filepath.Join(dir, d.Location), gz.Bytes(), 0o644))
		md.Data[i] = d
	}
	require.NoError(t, os.WriteFile(name, md.Marshal(), 0o644))
}

// oldDocs returns dir's uncompressed metadata documents.
func oldDocs(t *testing.T, dir string) [3][]byte {
	t.Helper()
	name := filepath.Join(dir, "repodata", "repomd.xml")
	md, err := repodata.ParseRepomd(bytes.NewReader(readAll(t, name)), name)
	require.NoError(t, err)
	var out [3][]byte
	for k, kind := range []string{repodata.Primary, repodata.Filelists, repodata.Other} {
		d, ok := md.Find(kind)
		require.True(t, ok)
		zr, err := gzip.NewReader(bytes.NewReader(readAll(t, filepath.Join(dir, d.Location))))
		require.NoError(t, err)
		var b bytes.Buffer
		_, err = b.ReadFrom(zr)
		require.NoError(t, err)
		out[k] = b.Bytes()
	}
	return out
}

// reversePackages reverses the order of a document's <package> elements.
func reversePackages(doc []byte) []byte {
	start, end := bytes.Index(doc, []byte("<package")), bytes.LastIndex(doc, []byte("</"))
	elems := strings.SplitAfter(string(doc[start:end]), "</package>\n")
	var b bytes.Buffer
	b.Write(doc[:start])
	for i := len(elems) - 1; i >= 0; i-- {
		b.WriteString(elems[i])
	}
	b.Write(doc[end:])
	return b.Bytes()
}

// TestUpdateFromOtherMetadata updates repositories whose metadata holds the
// same entries as qm-build writes them but in another form (or written by
// createrepo_c): whether update mode copies the elements verbatim or falls
// back to the full parse, the result is byte for byte a fresh run's.
func TestUpdateFromOtherMetadata(t *testing.T) {
	specs := append(goldenSpecs, testrpm.Generated(6)...)
	rpms := testrpm.Write(t, t.TempDir(), specs...)
	fresh := t.TempDir()
	copyInto(t, fresh, "", rpms...)
	generate(t, fresh, optionsAt(fixedTime))
	want := repodataFiles(t, fresh)

	replace := func(old, new string) func([]byte) []byte {
		return func(doc []byte) []byte { return bytes.Replace(doc, []byte(old), []byte(new), 1) }
	}
	for _, tc := range []struct {
		name     string
		kind     string // metadata file edited, "" for none
		edit     func([]byte) []byte
		verbatim bool // whether update mode can copy the old elements
	}{
		{"qm-build's own metadata", "", nil, true},
		{"createrepo_c's metadata", "createrepo_c", nil, false},
		{"empty element self-closed", repodata.Primary, replace("<url></url>", "<url/>"), false},
		{"single-quoted attribute", repodata.Primary, replace(`<package type="rpm">`, `<package type='rpm'>`), false},
		{"character reference", repodata.Filelists, replace("<file>/", "<file>&#47;"), false},
		{"other indentation", repodata.Other, replace("\n  <version", "\n\t<version"), false},
		{"attributes in another order", repodata.Primary, replace(`<time file="1710000000" build="1700000000"/>`, `<time build="1700000000" file="1710000000"/>`), false},
		{"filelists in another order", repodata.Filelists, reversePackages, false},
		{"filelists naming a package otherwise", repodata.Filelists, replace(`name="alpha"`, `name="alpha2"`), false},
		{"primary listing a non-primary file", repodata.Primary, replace("    <file>/usr/bin/alpha</file>\n", "    <file>/usr/bin/alpha</file>\n    <file>/usr/share/alpha/doc</file>\n"), false},
		{"trailing newline", repodata.Other, func(doc []byte) []byte { return append(doc, '\n') }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			copyInto(t, dir, "", rpms...)
			switch tc.kind {
			case "":
				generate(t, dir, optionsAt(fixedTime))
			case "createrepo_c":
				createrepoInPlace(t, dir)
			default:
				generate(t, dir, optionsAt(fixedTime))
				rewriteMetadata(t, dir, tc.kind, tc.edit)
			}
			docs := oldDocs(t, dir)
			_, _, err := repodata.SplitMetadata(docs[0], docs[1], docs[2])
			if tc.kind != "createrepo_c" { // whichever way createrepo_c's version writes
				require.Equal(t, tc.verbatim, err == nil, "copied verbatim: %v", err)
			}
			res := generate(t, dir, repodata.Options{Time: fixedTime, Epoch: fixedTime, Update: true})
			require.Equal(t, 0, res.Read)
			require.Equal(t, len(specs), res.Reused)
			require.Equal(t, want, repodataFiles(t, dir))
		})
	}
}

// TestScanFollowsSymlinks indexes a symlink to an RPM inside the repository
// with the target's size, and refuses one that leaves it.
func TestScanFollowsSymlinks(t *testing.T) {
	dir := t.TempDir()
	src := testrpm.Write(t, t.TempDir(), goldenSpecs[0])
	rpms := copyInto(t, dir, "", src...)
	require.NoError(t, os.Symlink(filepath.Base(rpms[0]), filepath.Join(dir, "link.rpm")))
	res := generate(t, dir, optionsAt(fixedTime))
	require.Len(t, res.Packages, 2)
	require.Equal(t, "link.rpm", res.Packages[1].Location)
	require.Equal(t, res.Packages[0].PackageSize, res.Packages[1].PackageSize)

	require.NoError(t, os.Symlink(src[0], filepath.Join(dir, "outside.rpm")))
	require.ErrorContains(t, generateErr(t, dir, optionsAt(fixedTime)), "outside.rpm")
}

// TestStaleTemporaryDirectories removes the hidden directories interrupted
// runs leave, and nothing else.
func TestStaleTemporaryDirectories(t *testing.T) {
	dir := t.TempDir()
	copyInto(t, dir, "", testrpm.Write(t, t.TempDir(), goldenSpecs...)...)
	stale := filepath.Join(dir, ".repodata.qm-build-0badc0ffee00")
	require.NoError(t, os.MkdirAll(stale, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(stale, "repomd.xml"), []byte("partial"), 0o644))
	other := filepath.Join(dir, ".repodata.qm-build-notes")
	require.NoError(t, os.WriteFile(other, []byte("a file, not ours"), 0o644))
	generate(t, dir, optionsAt(fixedTime))
	require.NoDirExists(t, stale)
	require.FileExists(t, other)
}
