package rpm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"
)

// Describe returns the description libmagic 5.44 (`file -b`, as rpmbuild
// calls it) gives a regular file with this content and rpm mode, for the
// content qm-build packages:
//
//   - "setuid ", "setgid " and "sticky " before the rest (libmagic's
//     fsmagic.c), joined with ", ";
//   - "empty";
//   - ELF files in full (DescribeELF), "current ar archive";
//   - "JSON text data" and "New Line Delimited JSON text data" (is_json.c);
//   - "SE Linux policy interface source" (a "## <summary>" first line);
//   - text (ascmagic.c and encoding.c): ASCII, UTF-8 with or without BOM,
//     ISO-8859 or non-ISO extended ASCII, with "#!" scripts and XML named
//     first, and the notes on long lines, line terminators, escape sequences
//     and overstriking;
//   - "data" for anything else.
//
// libmagic recognises over a thousand further formats by content (images,
// fonts, archives, source languages, compressed data); those are "data" here.
// Neither rpm nor rpmlint reads their descriptions, except rpmlint's icon
// size check for images.
func Describe(mode uint, content []byte) string {
	var special []string
	for _, b := range []struct {
		bit  uint
		name string
	}{{0o4000, "setuid"}, {0o2000, "setgid"}, {0o1000, "sticky"}} {
		if mode&b.bit != 0 {
			special = append(special, b.name)
		}
	}
	prefix := ""
	if len(special) > 0 {
		prefix = strings.Join(special, ", ") + " "
	}
	return prefix + describeContent(content)
}

// describeContent is libmagic's description of content, in libmagic's order
// of tests (file_buffer in funcs.c: JSON, ELF, soft magic, text).
func describeContent(b []byte) string {
	switch {
	case len(b) == 0:
		return "empty"
	case len(b) == 1:
		return "very short file (no magic)"
	case bytes.HasPrefix(b, []byte("\x7fELF")):
		if d, ok := DescribeELF(b); ok {
			return d
		}
		return "data"
	case bytes.HasPrefix(b, []byte("!<arch>\n")):
		return "current ar archive"
	case bytes.HasPrefix(b, []byte("## <summary>")):
		return "SE Linux policy interface source"
	case isPerlScript(b):
		return "Perl script text executable"
	}
	if d := describeJSON(b); d != "" {
		return d
	}
	return describeText(b)
}

// describeJSON recognises JSON whose top level is an object or array, and
// newline-delimited JSON (two or more such lines).
func describeJSON(b []byte) string {
	t := bytes.TrimLeft(b, " \t\r\n")
	if len(t) == 0 || (t[0] != '{' && t[0] != '[') {
		return ""
	}
	if json.Valid(b) {
		return "JSON text data"
	}
	lines := bytes.Split(bytes.TrimRight(b, " \t\r\n"), []byte("\n"))
	if len(lines) < 2 {
		return ""
	}
	for _, l := range lines {
		l = bytes.TrimSpace(l)
		if len(l) == 0 || (l[0] != '{' && l[0] != '[') || !json.Valid(l) {
			return ""
		}
	}
	return "New Line Delimited JSON text data"
}

// Byte classes of libmagic's text_chars table (encoding.c): never in text,
// plain ASCII text, ISO-8859 text, non-ISO extended ASCII.
const (
	charF = iota
	charT
	charI
	charX
)

func textChar(c byte) int {
	switch {
	case c >= 0x07 && c <= 0x0d, c == 0x1b, c >= 0x20 && c <= 0x7e, c == 0x85:
		return charT
	case c >= 0xa0:
		return charI
	case c >= 0x80:
		return charX
	}
	return charF
}

// allChars reports whether every byte of b is of a class up to max.
func allChars(b []byte, max int) bool {
	for _, c := range b {
		if k := textChar(c); k == charF || k > max {
			return false
		}
	}
	return true
}

// looksUTF8 reports whether b is UTF-8 whose single bytes are text
// characters (encoding.c's file_looks_utf8).
func looksUTF8(b []byte) bool {
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n <= 1 {
			return false
		}
		if n == 1 && textChar(b[0]) != charT {
			return false
		}
		b = b[n:]
	}
	return true
}

// textEncoding returns libmagic's name for b's encoding and b as characters,
// or ok false when b is not text (file_encoding in encoding.c; UTF-7, UTF-16,
// UTF-32 and EBCDIC are left out).
func textEncoding(b []byte) (code string, chars []rune, ok bool) {
	bytesAsChars := func(b []byte) []rune {
		out := make([]rune, len(b))
		for i, c := range b {
			out[i] = rune(c)
		}
		return out
	}
	bom := []byte("\xef\xbb\xbf")
	switch {
	case allChars(b, charT):
		return "ASCII", bytesAsChars(b), true
	case bytes.HasPrefix(b, bom) && looksUTF8(b[len(bom):]):
		return "Unicode text, UTF-8 (with BOM)", []rune(string(b[len(bom):])), true
	case looksUTF8(b):
		return "Unicode text, UTF-8", []rune(string(b)), true
	case allChars(b, charI):
		return "ISO-8859", bytesAsChars(b), true
	case allChars(b, charX):
		return "Non-ISO extended-ASCII", bytesAsChars(b), true
	}
	return "", nil, false
}

// describeText is ascmagic.c's description of text: the soft-magic name of
// the text (scripts, XML), the encoding, then what is unusual about its lines.
func describeText(b []byte) string {
	b = bytes.TrimRight(b, "\x00") // trim_nuls: trailing NULs are not content
	if len(b) <= 1 {
		return "data"
	}
	code, chars, ok := textEncoding(b)
	if !ok {
		return "data"
	}
	var d strings.Builder
	// The soft magic reads the first line (and its terminator) only.
	first := chars
	for i, c := range chars {
		if c == '\n' {
			first = chars[:i+1]
			break
		}
	}
	name, executable := textMagic(string(first))
	if name != "" {
		d.WriteString(name + ", ")
	}
	d.WriteString(code + " text")
	if executable {
		d.WriteString(" executable")
	}
	d.WriteString(lineNotes(chars))
	return d.String()
}

// maxLineLen is the longest line libmagic calls sane (MAXLINELEN).
const maxLineLen = 300

// lineNotes are ascmagic.c's notes on long lines, line terminators other
// than LF (or none at all), escape sequences and backspaces.
func lineNotes(chars []rune) string {
	var crlf, lf, cr, nel, longest int
	var escapes, backspaces, seenCR bool
	lastEnd := -1
	for i, c := range chars {
		if c == '\n' {
			if seenCR {
				crlf++
			} else {
				lf++
			}
			lastEnd = i
		} else if seenCR {
			cr++
		}
		seenCR = c == '\r'
		if seenCR {
			lastEnd = i
		}
		if c == 0x85 {
			nel++
			lastEnd = i
		}
		if l := i - lastEnd; l > maxLineLen && l > longest {
			longest = l
		}
		escapes = escapes || c == 0x1b
		backspaces = backspaces || c == '\b'
	}
	if seenCR {
		cr++
	}
	var d strings.Builder
	if longest > 0 {
		fmt.Fprintf(&d, ", with very long lines (%d)", longest)
	}
	if crlf+cr+nel+lf == 0 {
		d.WriteString(", with no line terminators")
	} else if crlf+cr+nel > 0 {
		var kinds []string
		for _, k := range []struct {
			n    int
			name string
		}{{crlf, "CRLF"}, {cr, "CR"}, {lf, "LF"}, {nel, "NEL"}} {
			if k.n > 0 {
				kinds = append(kinds, k.name)
			}
		}
		d.WriteString(", with " + strings.Join(kinds, ", ") + " line terminators")
	}
	if escapes {
		d.WriteString(", with escape sequences")
	}
	if backspaces {
		d.WriteString(", with overstriking")
	}
	return d.String()
}

// textMagic names text by its first line, as libmagic's text soft magic does
// for "#!" scripts (Magdir/commands and friends) and XML (Magdir/sgml);
// executable is true for scripts.
func textMagic(s string) (name string, executable bool) {
	if rest, ok := strings.CutPrefix(s, "#!"); ok {
		return scriptName(rest)
	}
	if rest, ok := strings.CutPrefix(s, `<?xml version="`); ok {
		if v, _, ok := strings.Cut(rest, `"`); ok && !strings.ContainsAny(v, "\n>") {
			return "XML " + v + " document", false
		}
	}
	return "", false
}

// scriptInterpreters are the "#!" programs libmagic 5.44 names (by path, or
// "env X" for the program /usr/bin/env runs), as measured with file -b; its
// rules are many and irregular (/usr/bin/python3 is a Python script,
// /opt/py/bin/python3 is not). Other scripts are "a <rest of the line>
// script". The names matter to rpmlint only through "shell script".
var scriptInterpreters = sync.OnceValue(func() map[string]string {
	return map[string]string{
		"/bin/sh":             "POSIX shell script",
		"/bin/bash":           "Bourne-Again shell script",
		"/usr/bin/bash":       "Bourne-Again shell script",
		"/usr/local/bin/bash": "Bourne-Again shell script",
		"env bash":            "Bourne-Again shell script",
		"/bin/zsh":            "Paul Falstad's zsh script",
		"/usr/bin/zsh":        "Paul Falstad's zsh script",
		"/usr/local/bin/zsh":  "Paul Falstad's zsh script",
		"env zsh":             "Paul Falstad's zsh script",
		"/bin/ksh":            "Korn shell script",
		"/bin/csh":            "C shell script",
		"/bin/tcsh":           "Tenex C shell script",
		"/usr/bin/tcsh":       "Tenex C shell script",
		"/bin/awk":            "awk script",
		"/usr/bin/awk":        "awk script",
		"/usr/bin/gawk":       "GNU awk script",
		"/usr/bin/ruby":       "Ruby script",
		"/usr/local/bin/ruby": "Ruby script",
		"env ruby":            "Ruby script",
		"/usr/bin/lua":        "Lua script",
		"env lua":             "Lua script",
		"/usr/bin/tclsh":      "Tcl/Tk script",
		"/usr/bin/wish":       "Tcl/Tk script",
		"env tclsh":           "Tcl script",
	}
})

// nodeScripts are the "#!" programs libmagic calls Node.js; its rule prints
// "executable" itself, so the text is not called executable again.
var nodeScripts = sync.OnceValue(func() map[string]bool {
	return map[string]bool{"/usr/bin/node": true, "env node": true, "env nodejs": true}
})

// shebang splits a "#!" line (without the "#!") into the program, its key
// in scriptInterpreters, and the generic description's text.
func shebang(rest string) (prog, key, generic string, terminated bool) {
	line, _, terminated := strings.Cut(rest, "\n")
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return "", "", "", terminated
	}
	prog, key, generic = fields[0], fields[0], strings.TrimSpace(line)
	if prog == "/usr/bin/env" && len(fields) > 1 {
		prog, key = fields[1], "env "+fields[1]
		generic = strings.TrimSpace(generic[len("/usr/bin/env"):])
	}
	return prog, key, generic, terminated
}

// isPerlScript reports whether b starts with a "#!" line running perl, which
// libmagic describes in full as "Perl script text executable".
func isPerlScript(b []byte) bool {
	if !bytes.HasPrefix(b, []byte("#!")) {
		return false
	}
	prog, _, _, _ := shebang(string(b[2:min(len(b), 256)]))
	return strings.HasPrefix(prog[strings.LastIndex(prog, "/")+1:], "perl")
}

// scriptName is libmagic's name of a script from the rest of its "#!" line,
// and whether libmagic then calls the text executable.
func scriptName(rest string) (string, bool) {
	prog, key, generic, terminated := shebang(rest)
	if n, ok := scriptInterpreters()[key]; ok && terminated {
		return n, true
	}
	if nodeScripts()[key] {
		return "Node.js script executable", false
	}
	if strings.HasPrefix(prog, "/usr/bin/python") || strings.HasPrefix(key, "env python") {
		return "Python script", true
	}
	return "a " + generic + " script", true
}
