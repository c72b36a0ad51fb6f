package repodata

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
)

// verbatim is a package's <package> elements of primary, filelists and other
// as an existing repodata holds them, each byte for byte what primaryXML,
// filelistsXML and otherXML write for the package: Render copies them
// instead of rendering.
type verbatim [3][]byte

// splitMetadata is update mode's fast reading of the old metadata: it cuts
// the three documents (uncompressed, in Primary, Filelists, Other order) into
// their <package> elements, keyed by location, without decoding them. It
// succeeds only when every element is in the canonical form the writer
// produces (canonical.go) and the three documents agree as the writer makes
// them agree: the same packages in the same order, filelists and other
// naming each package as primary does, and primary listing exactly the
// filelists files that IsPrimaryFile selects. A repository this package
// wrote always qualifies (TestVerbatimIsWriterOutput); for anything else the
// caller falls back to the full parse (parseExisting).
//
// The entries carry the fields update mode compares and reports (location,
// size, file time, checksum, name, epoch, version, release, arch); their
// elements are in Package.verbatim.
func splitMetadata(docs [3][]byte) (map[string]*Package, error) {
	var (
		prim   []primaryElem
		extras [2][]extraElem
		errs   [3]error
		wg     sync.WaitGroup
	)
	wg.Go(func() { prim, errs[0] = scanDoc(docs[0], Primary, (*scanner).primaryPackage) })
	for k, kind := range metadataKinds[1:] {
		wg.Go(func() {
			extras[k], errs[k+1] = scanDoc(docs[k+1], kind, func(s *scanner) extraElem { return s.extraPackage(kind == Other) })
		})
	}
	wg.Wait()
	for k, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("%s: %w", metadataKinds[k], err)
		}
	}
	lists, others := extras[0], extras[1]
	if len(lists) != len(prim) || len(others) != len(prim) {
		return nil, fmt.Errorf("%d packages in primary, %d in filelists, %d in other", len(prim), len(lists), len(others))
	}
	// The full parse joins filelists and other to primary by pkgid, the last
	// entry winning: identical copies of a package share one pkgid.
	last := make(map[string]int, len(prim))
	ids := make([]string, len(prim))
	for i := range prim {
		ids[i] = unescape(prim[i].pkgid)
		last[ids[i]] = i
	}
	out := make(map[string]*Package, len(prim))
	for i := range prim {
		p, l, o := &prim[i], &lists[i], &others[i]
		j := last[ids[i]]
		if err := p.agrees(l, o, &lists[j], &others[j]); err != nil {
			return nil, fmt.Errorf("package %d (%s): %w", i+1, unescape(p.loc), err)
		}
		out[unescape(p.loc)] = &Package{
			PkgID: ids[i], Location: unescape(p.loc), PackageSize: p.size, FileTime: p.fileTime,
			Name: unescape(p.name), Arch: unescape(p.arch),
			Epoch: unescape(p.epoch), Version: unescape(p.ver), Release: unescape(p.rel),
			verbatim: &verbatim{p.elem, l.elem, o.elem},
		}
	}
	return out, nil
}

// primaryElem is one <package> of primary.xml, its values still escaped.
type primaryElem struct {
	elem                     []byte // the whole element and its newline
	name, arch, pkgid, loc   []byte
	version, epoch, ver, rel []byte // version: the whole <version/> line
	files                    []byte // the <file> lines
	size, fileTime           int64
}

// extraElem is one <package> of filelists.xml or other.xml.
type extraElem struct {
	elem              []byte
	pkgid, name, arch []byte
	version           []byte
	body              []byte // the <file> or <changelog> lines
}

// agrees checks that filelists and other elements l and o say what the
// writer would say for p, given that the full parse takes p's files and
// changelogs from lastL and lastO.
func (p *primaryElem) agrees(l, o, lastL, lastO *extraElem) error {
	for _, e := range []*extraElem{l, o} {
		if !sameValue(e.pkgid, p.pkgid) || !sameValue(e.name, p.name) || !sameValue(e.arch, p.arch) || !bytes.Equal(e.version, p.version) {
			return fmt.Errorf("filelists or other names the package otherwise than primary")
		}
	}
	if !bytes.Equal(l.body, lastL.body) || !bytes.Equal(o.body, lastO.body) {
		return fmt.Errorf("copies with one checksum and different files or changelogs")
	}
	// primaryXML lists the files IsPrimaryFile selects, one level deeper.
	rest := p.files
	for body := lastL.body; len(body) > 0; {
		// A path may hold newlines, never '<': the first "</file>\n" ends it.
		n := bytes.Index(body, []byte("</file>\n")) + len("</file>\n")
		elem := body[len("  "):n]
		body = body[n:]
		if !IsPrimaryFile(unescape(filePath(elem))) {
			continue
		}
		if len(rest) < len("    ")+len(elem) || !bytes.Equal(rest[len("    "):len("    ")+len(elem)], elem) {
			return fmt.Errorf("primary files are not filelists' primary files")
		}
		rest = rest[len("    ")+len(elem):]
	}
	if len(rest) > 0 {
		return fmt.Errorf("primary files are not filelists' primary files")
	}
	return nil
}

// filePath is the text of a canonical "<file ...>path</file>\n" line: an
// attribute value holds no '>' and a path no '<'.
func filePath(elem []byte) []byte {
	start := bytes.IndexByte(elem, '>') + 1
	return elem[start : start+bytes.IndexByte(elem[start:], '<')]
}

// scanDoc scans a document as fileHead and fileTail frame it, with pkg
// reading each <package> element.
func scanDoc[T any](doc []byte, kind string, pkg func(*scanner) T) ([]T, error) {
	s := &scanner{b: doc}
	head, _, _ := strings.Cut(fileHead(kind, 0), ` packages="`)
	s.lit(head)
	n := s.num(` packages="`)
	s.lit(">\n")
	out := make([]T, 0, min(max(n, 0), int64(len(doc)/256)))
	for s.err == nil && s.at("<package") {
		out = append(out, pkg(s))
	}
	s.lit(fileTail(kind))
	if s.err == nil && s.i != len(doc) {
		s.fail("data after the root element")
	}
	return out, s.err
}

// depTags are the dependency lists' lines, in the order primaryXML writes
// them; made on first use, not at every start of qm-build.
var depTags = sync.OnceValue(func() (out []depTag) {
	for _, l := range new(Package).depLists() {
		out = append(out, depTag{"    <" + l.elem + ">\n", "    </" + l.elem + ">\n", l.elem == "rpm:requires"})
	}
	return out
})

type depTag struct {
	open, close string
	requires    bool
}

// primaryPackage reads one <package> of primary.xml as primaryXML writes it.
func (s *scanner) primaryPackage() (p primaryElem) {
	start := s.i
	s.lit("<package type=\"rpm\">\n  <name>")
	p.name = s.text("</name>\n  <arch>")
	p.arch = s.text("</arch>\n")
	p.version, p.epoch, p.ver, p.rel = s.version()
	s.attr("  <checksum type=\"")
	s.lit(` pkgid="YES">`)
	p.pkgid = s.text("</checksum>\n  <summary>")
	s.text("</summary>\n  <description>")
	s.text("</description>\n  <packager>")
	s.text("</packager>\n  <url>")
	s.text("</url>\n")
	p.fileTime = s.num("  <time file=\"")
	s.num(` build="`)
	p.size = s.num("/>\n  <size package=\"")
	s.num(` installed="`)
	s.num(` archive="`)
	p.loc = s.attr("/>\n  <location href=\"")
	s.lit("/>\n  <format>\n    <rpm:license>")
	s.text("</rpm:license>\n    <rpm:vendor>")
	s.text("</rpm:vendor>\n    <rpm:group>")
	s.text("</rpm:group>\n    <rpm:buildhost>")
	s.text("</rpm:buildhost>\n    <rpm:sourcerpm>")
	s.text("</rpm:sourcerpm>\n")
	s.num("    <rpm:header-range start=\"")
	s.num(` end="`)
	s.lit("/>\n")
	for _, d := range depTags() {
		if !s.at(d.open) {
			continue
		}
		s.lit(d.open)
		for s.entry(d.requires) && !s.at(d.close) {
		}
		s.lit(d.close)
	}
	files := s.i
	for s.at("    <file") {
		s.file("    <file")
	}
	p.files = s.b[files:s.i]
	s.lit("  </format>\n</package>\n")
	p.elem = s.b[start:s.i]
	if s.err == nil && (len(p.pkgid) == 0 || len(p.loc) == 0) {
		s.fail("package without a checksum or a location")
	}
	return p
}

// version reads a <version/> line, returning it and its attributes.
func (s *scanner) version() (line, epoch, ver, rel []byte) {
	start := s.i
	epoch = s.attr("  <version epoch=\"")
	ver = s.attr(` ver="`)
	rel = s.attr(` rel="`)
	s.lit("/>\n")
	return s.b[start:s.i], epoch, ver, rel
}

// entry reads one rpm:entry as writeDeps writes it: a name, then flags, then
// epoch, ver and rel only with flags and only when not empty, then pre="1"
// in requires. It reports whether the scanner is still in step.
func (s *scanner) entry(requires bool) bool {
	if len(s.attr("      <rpm:entry name=\"")) == 0 {
		s.fail("entry without a name")
	}
	if s.at(` flags="`) {
		if len(s.attr(` flags="`)) == 0 {
			s.fail("empty flags")
		}
		for _, a := range []string{` epoch="`, ` ver="`, ` rel="`} {
			if s.at(a) && len(s.attr(a)) == 0 {
				s.fail("empty " + strings.TrimSpace(a))
			}
		}
	}
	if requires && s.at(` pre="1"`) {
		s.lit(` pre="1"`)
	}
	s.lit("/>\n")
	return s.err == nil
}

// file reads a <file> line as writeFileElem writes it: no type attribute
// for plain files.
func (s *scanner) file(open string) {
	s.lit(open)
	if s.at(` type="`) {
		if t := s.attr(` type="`); len(t) == 0 || string(t) == "file" {
			s.fail(`file type "" or "file" is not written`)
		}
	}
	s.lit(">")
	s.text("</file>\n")
}

// extraPackage reads one <package> of filelists.xml or (other) other.xml.
func (s *scanner) extraPackage(other bool) (e extraElem) {
	start := s.i
	e.pkgid = s.attr("<package pkgid=\"")
	e.name = s.attr(` name="`)
	e.arch = s.attr(` arch="`)
	s.lit(">\n")
	e.version, _, _, _ = s.version()
	body := s.i
	for other && s.at("  <changelog author=\"") {
		s.attr("  <changelog author=\"")
		s.num(` date="`)
		s.lit(">")
		s.text("</changelog>\n")
	}
	for !other && s.at("  <file") {
		s.file("  <file")
	}
	e.body = s.b[body:s.i]
	s.lit("</package>\n")
	e.elem = s.b[start:s.i]
	return e
}
