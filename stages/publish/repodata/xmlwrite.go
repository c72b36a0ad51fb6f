package repodata

import (
	"bytes"
	"strconv"
	"unicode/utf8"
)

// XML namespaces of the three metadata files (createrepo_c's xml_file.c).
const (
	nsCommon    = "http://linux.duke.edu/metadata/common"
	nsRPM       = "http://linux.duke.edu/metadata/rpm"
	nsFilelists = "http://linux.duke.edu/metadata/filelists"
	nsOther     = "http://linux.duke.edu/metadata/other"
	nsRepo      = "http://linux.duke.edu/metadata/repo"
	xmlDecl     = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"
)

// xw writes the indented XML createrepo_c writes with libxml2: two spaces per
// level, attributes in double quotes, and libxml2's escaping.
type xw struct{ bytes.Buffer }

func (w *xw) indent(level int) {
	for i := 0; i < level; i++ {
		w.WriteString("  ")
	}
}

// text writes an element with text content on one line. Empty content gives
// an empty pair, as libxml2 serialises an empty text child.
func (w *xw) text(level int, name, content string, attrs ...string) {
	w.indent(level)
	w.open(name, attrs)
	w.WriteByte('>')
	escapeText(&w.Buffer, content)
	w.WriteString("</")
	w.WriteString(name)
	w.WriteString(">\n")
}

// empty writes <name a="v"/>.
func (w *xw) empty(level int, name string, attrs ...string) {
	w.indent(level)
	w.open(name, attrs)
	w.WriteString("/>\n")
}

// start writes <name a="v"> and a newline.
func (w *xw) start(level int, name string, attrs ...string) {
	w.indent(level)
	w.open(name, attrs)
	w.WriteString(">\n")
}

func (w *xw) end(level int, name string) {
	w.indent(level)
	w.WriteString("</")
	w.WriteString(name)
	w.WriteString(">\n")
}

func (w *xw) open(name string, attrs []string) {
	w.WriteByte('<')
	w.WriteString(name)
	for i := 0; i+1 < len(attrs); i += 2 {
		w.WriteByte(' ')
		w.WriteString(attrs[i])
		w.WriteString(`="`)
		escapeAttr(&w.Buffer, attrs[i+1])
		w.WriteByte('"')
	}
}

// utf8Text is cr_xmlNewTextChild's input rule: valid UTF-8 is kept, anything
// else is taken as Latin-1 and converted, dropping C1 and C0 controls.
func utf8Text(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c < 32 && c != '\t' && c != '\n' && c != '\r':
		case c < 128:
			b = append(b, c)
		case c < 192:
		default:
			b = utf8.AppendRune(b, rune(c))
		}
	}
	return string(b)
}

// escapeText escapes character data as libxml2's xmlEscapeContent does.
func escapeText(b *bytes.Buffer, s string) {
	s = utf8Text(s)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '\r':
			b.WriteString("&#13;")
		default:
			b.WriteByte(c)
		}
	}
}

// escapeAttr escapes an attribute value as libxml2's
// xmlBufAttrSerializeTxtContent does.
func escapeAttr(b *bytes.Buffer, s string) {
	s = utf8Text(s)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		case '\n':
			b.WriteString("&#10;")
		case '\r':
			b.WriteString("&#13;")
		case '\t':
			b.WriteString("&#9;")
		default:
			b.WriteByte(c)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// primaryXML is one <package> of primary.xml (cr_xml_dump_primary).
func primaryXML(w *xw, p *Package) {
	w.start(0, "package", "type", "rpm")
	w.text(1, "name", p.Name)
	w.text(1, "arch", p.Arch)
	w.empty(1, "version", "epoch", p.Epoch, "ver", p.Version, "rel", p.Release)
	w.text(1, "checksum", p.PkgID, "type", p.ChecksumType, "pkgid", "YES")
	w.text(1, "summary", p.Summary)
	w.text(1, "description", p.Description)
	w.text(1, "packager", p.Packager)
	w.text(1, "url", p.URL)
	w.empty(1, "time", "file", itoa(p.FileTime), "build", itoa(p.BuildTime))
	w.empty(1, "size", "package", itoa(p.PackageSize), "installed", itoa(p.InstalledSize), "archive", itoa(p.ArchiveSize))
	w.empty(1, "location", "href", p.Location)
	w.start(1, "format")
	w.text(2, "rpm:license", p.License)
	w.text(2, "rpm:vendor", p.Vendor)
	w.text(2, "rpm:group", p.Group)
	w.text(2, "rpm:buildhost", p.BuildHost)
	w.text(2, "rpm:sourcerpm", p.SourceRPM)
	w.empty(2, "rpm:header-range", "start", itoa(p.HeaderStart), "end", itoa(p.HeaderEnd))
	for _, l := range p.depLists() {
		writeDeps(w, l.elem, *l.list, l.elem == "rpm:requires")
	}
	for _, f := range p.Files {
		if IsPrimaryFile(f.Path) {
			writeFileElem(w, 2, f)
		}
	}
	w.end(1, "format")
	w.end(0, "package")
}

// writeDeps is cr_xml_dump_primary_dump_pco: no element for an empty list,
// entries without a name skipped, epoch/ver/rel only with flags.
func writeDeps(w *xw, elem string, deps []Dependency, requires bool) {
	if len(deps) == 0 {
		return
	}
	w.start(2, elem)
	for _, d := range deps {
		if d.Name == "" {
			continue
		}
		attrs := []string{"name", d.Name}
		if d.Flags != "" {
			attrs = append(attrs, "flags", d.Flags)
			for _, kv := range [][2]string{{"epoch", d.Epoch}, {"ver", d.Version}, {"rel", d.Release}} {
				if kv[1] != "" {
					attrs = append(attrs, kv[0], kv[1])
				}
			}
		}
		if requires && d.Pre {
			attrs = append(attrs, "pre", "1")
		}
		w.empty(3, "rpm:entry", attrs...)
	}
	w.end(2, elem)
}

func writeFileElem(w *xw, level int, f PackageFile) {
	if f.Type != "" && f.Type != "file" {
		w.text(level, "file", f.Path, "type", f.Type)
		return
	}
	w.text(level, "file", f.Path)
}

// filelistsXML is one <package> of filelists.xml (cr_xml_dump_filelists).
func filelistsXML(w *xw, p *Package) {
	w.start(0, "package", "pkgid", p.PkgID, "name", p.Name, "arch", p.Arch)
	w.empty(1, "version", "epoch", p.Epoch, "ver", p.Version, "rel", p.Release)
	for _, f := range p.Files {
		writeFileElem(w, 1, f)
	}
	w.end(0, "package")
}

// otherXML is one <package> of other.xml (cr_xml_dump_other).
func otherXML(w *xw, p *Package) {
	w.start(0, "package", "pkgid", p.PkgID, "name", p.Name, "arch", p.Arch)
	w.empty(1, "version", "epoch", p.Epoch, "ver", p.Version, "rel", p.Release)
	for _, c := range p.Changelogs {
		w.text(1, "changelog", c.Text, "author", c.Author, "date", itoa(c.Date))
	}
	w.end(0, "package")
}

// Kinds of metadata file, in repomd.xml order.
const (
	Primary   = "primary"
	Filelists = "filelists"
	Other     = "other"
)

// fileHead and fileTail wrap the package elements of each file.
func fileHead(kind string, n int) string {
	count := strconv.Itoa(n)
	switch kind {
	case Primary:
		return xmlDecl + `<metadata xmlns="` + nsCommon + `" xmlns:rpm="` + nsRPM + `" packages="` + count + `">` + "\n"
	case Filelists:
		return xmlDecl + `<filelists xmlns="` + nsFilelists + `" packages="` + count + `">` + "\n"
	}
	return xmlDecl + `<otherdata xmlns="` + nsOther + `" packages="` + count + `">` + "\n"
}

func fileTail(kind string) string {
	switch kind {
	case Primary:
		return "</metadata>"
	case Filelists:
		return "</filelists>"
	}
	return "</otherdata>"
}
