package rpmspec

import (
	"bytes"
	"embed"
	"encoding/base64"
	"fmt"
	"io"
	"path"
	"strings"
	"text/template"
	"unicode/utf8"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

var specTemplate = template.Must(template.ParseFS(templateFS, "templates/qm.spec.tmpl"))

// heredocEnd ends every %install heredoc. Base64 text never holds '_', so
// it cannot end a base64 heredoc early; a text body that holds the line is
// written as base64.
const heredocEnd = "QM_BUILD_EOF"

// Spec renders pkgs as one self-contained spec: pkgs[0] is the main package,
// the others are sub-packages (%package -n NAME). Every file is written by
// %install (text through a quoted heredoc, anything else through base64 -d),
// so `rpmbuild -bb` needs no source. Packages share the release; a
// sub-package with a version of its own gets its own Version: line. A
// noarch main package has only noarch sub-packages (rpmbuild builds one
// architecture per spec); an architecture-specific package is rendered as
// the main package of a spec of its own.
//
// Relations rpmbuild adds itself (the self-provide, config(), /bin/sh for
// scriptlets, rpmlib()) are not written; see package rpm for the list.
// Paths rpm's %files syntax cannot express (whitespace, quotes, '%', glob
// characters) and description or scriptlet lines that start with '%' (rpmbuild
// would read them as a spec section) are errors naming where they came from.
func Spec(w io.Writer, pkgs []*Package) error {
	v, err := newSpecView(pkgs)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := specTemplate.Execute(&b, v); err != nil {
		return fmt.Errorf("rendering spec: %w", err)
	}
	_, err = w.Write(b.Bytes())
	return err
}

type specView struct {
	Main    specPkg
	Subs    []specPkg
	All     []specPkg
	Install []string
}

type specPkg struct {
	Name, Version, Release, Summary, License, URL, Description string
	// Opt is "" for the main package and " -n NAME" for sub-packages, as
	// %description, %files and scriptlet sections take it.
	Opt string
	// OwnVersion is set for a sub-package whose version is not the main
	// package's; Noarch for a noarch package (BuildArch: noarch).
	OwnVersion, Noarch                                   bool
	Requires, Provides, Obsoletes, Conflicts, Recommends []string
	Scripts                                              []specScript
	Files                                                []string
}

type specScript struct{ Section, Body string }

func newSpecView(pkgs []*Package) (*specView, error) {
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("rendering spec: no packages")
	}
	var errs Errors
	v := &specView{}
	made := map[string]bool{} // directories %install has created
	for i, p := range pkgs {
		if p.Release != pkgs[0].Release {
			errs.add("", 0, p.Name, "release %s differs from %s's %s; one spec has one release", p.Release, pkgs[0].Name, pkgs[0].Release)
		}
		if i > 0 && p.Arch != "noarch" && pkgs[0].Arch == "noarch" {
			errs.add("", 0, p.Name, "is built for %s; a spec whose main package (%s) is noarch has only noarch sub-packages: render it in a spec of its own", p.Arch, pkgs[0].Name)
		}
		sp := specPkg{
			Name: p.Name, Version: p.Version, Release: p.Release,
			OwnVersion: i > 0 && p.Version != pkgs[0].Version, Noarch: p.Arch == "noarch" || p.Arch == "",
			Summary: escapeMacros(p.Summary), License: p.License, URL: escapeMacros(p.URL),
			Requires: relations(p.Requires), Provides: relations(p.Provides), Obsoletes: relations(p.Obsoletes),
			Conflicts: relations(p.Conflicts), Recommends: relations(p.Recommends),
		}
		if i > 0 {
			sp.Opt = " -n " + p.Name
		}
		desc := p.HeaderDescription()
		sp.Description = escapeMacros(desc)
		if l, bad := sectionLike(desc); bad {
			errs.add("", 0, p.Name+": description", "line %q starts with '%%', which rpmbuild reads as a spec section", l)
		}
		p.Scripts.Each(func(section, body string) {
			if l, bad := sectionLike(body); bad {
				errs.add("", 0, p.Name+": %"+section, "line %q starts with '%%', which rpmbuild reads as a spec section", l)
			}
			sp.Scripts = append(sp.Scripts, specScript{section, escapeMacros(HeaderScript(body))})
		})
		for _, f := range p.SortedFiles() {
			if err := specPath(f.Path); err != nil {
				errs.add(f.Origin, 0, p.Name+": "+f.Path, "%v", err)
				continue
			}
			if f.Kind == KindSymlink {
				if err := specPath(f.Target); err != nil {
					errs.add(f.Origin, 0, p.Name+": "+f.Path, "symlink target: %v", err)
					continue
				}
			}
			sp.Files = append(sp.Files, filesLine(f))
			v.Install = append(v.Install, installLines(f, made)...)
		}
		v.All = append(v.All, sp)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	v.Main, v.Subs = v.All[0], v.All[1:]
	return v, nil
}

func relations(rs Relations) []string {
	out := make([]string, len(rs))
	for i, r := range rs.Sorted() {
		out[i] = escapeMacros(r.String())
	}
	return out
}

// escapeMacros doubles '%' so that rpm's macro expansion gives it back.
func escapeMacros(s string) string { return strings.ReplaceAll(s, "%", "%%") }

// sectionLike reports a line whose first non-blank character is '%'.
func sectionLike(s string) (string, bool) {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(strings.TrimLeft(l, " \t"), "%") {
			return l, true
		}
	}
	return "", false
}

// specPath rejects what %files and a single-quoted shell word cannot hold
// literally: whitespace, quotes, backslashes, '%' (macros) and glob
// characters (%files entries are globbed).
func specPath(p string) error {
	if i := strings.IndexAny(p, " \t\n\r'\"\\%*?[]{}"); i >= 0 {
		return fmt.Errorf("%q holds %q, which a spec's %%files cannot express", p, p[i])
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%q holds a control character", p)
		}
	}
	return nil
}

// filesLine is the %files entry of f.
func filesLine(f File) string {
	var b strings.Builder
	if f.Flags&FlagGhost != 0 {
		b.WriteString("%ghost ")
	}
	switch {
	case f.Flags&FlagNoReplace != 0:
		b.WriteString("%config(noreplace) ")
	case f.Flags&FlagConfig != 0:
		b.WriteString("%config ")
	}
	if f.Flags&FlagDoc != 0 {
		b.WriteString("%doc ")
	}
	if f.Kind == KindDir {
		b.WriteString("%dir ")
	}
	mode := f.OctalMode()
	if f.Kind == KindSymlink {
		mode = "-" // rpm ignores, and warns about, a mode on a symlink
	}
	fmt.Fprintf(&b, "%%attr(%s,%s,%s) %s", mode, f.OwnerName(), f.GroupName(), f.Path)
	return b.String()
}

// installLines are the %install commands that create f in the build root,
// after a mkdir of its directory unless made holds it already.
func installLines(f File, made map[string]bool) []string {
	var out []string
	mkdir := func(dir string) {
		if !made[dir] {
			out = append(out, "mkdir -p '%{buildroot}"+dir+"'")
		}
		for d := dir; d != "/" && d != "" && !made[d]; d = path.Dir(d) {
			made[d] = true
		}
	}
	if f.Kind == KindDir {
		mkdir(f.Path)
		return out
	}
	mkdir(path.Dir(f.Path))
	dst := "'%{buildroot}" + f.Path + "'"
	switch {
	case f.Kind == KindSymlink:
		out = append(out, "ln -s '"+f.Target+"' "+dst)
	case len(f.Body) == 0:
		out = append(out, ": > "+dst)
	case plainText(f.Body):
		out = append(out, "cat > "+dst+" <<'"+heredocEnd+"'\n"+escapeMacros(string(f.Body))+heredocEnd)
	default:
		out = append(out, "base64 -d > "+dst+" <<'"+heredocEnd+"'\n"+wrap(base64.StdEncoding.EncodeToString(f.Body), 76)+heredocEnd)
	}
	// rpmbuild's dependency generators look at the file in the build root,
	// not at %attr: give it the packaged mode (e.g. for script.req).
	if f.Kind == KindFile && f.OctalMode() != "0644" {
		out = append(out, "chmod "+f.OctalMode()+" "+dst)
	}
	return out
}

// plainText reports whether body survives a quoted heredoc in a spec
// unchanged once '%' is doubled: UTF-8 text ending in a newline, without
// control characters other than tab, without the heredoc's end line, and
// without a line rpmbuild would read as a section ('%' first).
func plainText(body []byte) bool {
	if !utf8.Valid(body) || !bytes.HasSuffix(body, []byte("\n")) {
		return false
	}
	for _, c := range body {
		if c < 0x20 && c != '\t' && c != '\n' || c == 0x7f {
			return false
		}
	}
	s := string(body)
	if _, bad := sectionLike(s); bad {
		return false
	}
	for _, l := range strings.Split(s, "\n") {
		if l == heredocEnd {
			return false
		}
	}
	return true
}

func wrap(s string, n int) string {
	var b strings.Builder
	for len(s) > n {
		b.WriteString(s[:n])
		b.WriteByte('\n')
		s = s[n:]
	}
	b.WriteString(s)
	b.WriteByte('\n')
	return b.String()
}

// HeaderDescription is p's description as rpmbuild stores it: trailing
// blanks stripped, and the summary when there is none. The RPM writer and the
// spec both use it, so that the two agree.
func (p *Package) HeaderDescription() string {
	d := strings.TrimRight(p.Description, " \t\n\v\f\r")
	if strings.TrimSpace(d) == "" {
		return p.Summary
	}
	return d
}

// HeaderScript is a scriptlet body as rpmbuild stores it: trailing blanks and
// newlines stripped (rpm's build/parseScript.c).
func HeaderScript(body string) string { return strings.TrimRight(body, " \t\n\v\f\r") }
