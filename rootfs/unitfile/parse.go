package unitfile

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/qm-build/qm-build/rpmspec"
)

// ParseError is a line of a unit file that is not a section header, an
// assignment, a comment or a blank line: an rpmspec.InputError with the file
// and line, bad input (exit status 2), like every other.
type ParseError = rpmspec.InputError

// Parse reads a unit file. name is used in errors and entries (a path, or a
// label such as "qm.container"). The error for a malformed line is a
// *ParseError giving name:line.
func Parse(r io.Reader, name string) (*File, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return ParseBytes(data, name)
}

// ParseBytes is Parse over a byte slice.
func ParseBytes(data []byte, name string) (*File, error) {
	f, _, err := parseBytes(data, name, false)
	return f, err
}

// ParseLenient reads a unit file the way systemd's manager does
// (conf-parser.c): a line that is not an assignment, an assignment outside
// of a section or an invalid key is skipped with a warning, and only a
// malformed section header fails the file. The skipped lines are returned;
// Write still reproduces the input.
func ParseLenient(data []byte, name string) (*File, []*ParseError, error) {
	return parseBytes(data, name, true)
}

func parseBytes(data []byte, name string, lenient bool) (*File, []*ParseError, error) {
	p := &parser{f: &File{Name: name}, lenient: lenient}
	text := string(data)
	if text == "" {
		return p.f, nil, nil
	}
	if strings.HasSuffix(text, "\n") {
		text = text[:len(text)-1]
	} else {
		p.f.noFinalNewline = true
	}
	lines := strings.Split(text, "\n")
	for i, raw := range lines {
		if err := p.physical(raw, i+1, i == 0); err != nil {
			return nil, nil, err
		}
	}
	if p.cont != nil {
		if err := p.finishEntry(); err != nil {
			return nil, nil, err
		}
	}
	return p.f, p.skipped, nil
}

// parser holds the state of one Parse: the section being filled and an entry
// continued over several physical lines.
type parser struct {
	f       *File
	lenient bool          // skip bad assignments (systemd) instead of failing
	skipped []*ParseError // the assignments skipped
	cur     *section
	cont    *line           // the entry being continued, or nil
	logical strings.Builder // its text so far
}

// physical handles one physical line. systemd's config parser (conf-parser.c)
// is the reference: comment lines are skipped even inside a continued entry; a
// line ending in an odd number of backslashes continues, the last backslash
// becoming a space; a blank line ends a continued entry.
func (p *parser) physical(raw string, n int, first bool) error {
	text := strings.TrimSuffix(raw, "\r")
	if first {
		text = strings.TrimPrefix(text, "\uFEFF")
	}
	trimmed := strings.TrimFunc(text, unicode.IsSpace)
	isComment := trimmed != "" && (trimmed[0] == '#' || trimmed[0] == ';')
	if p.cont != nil {
		p.cont.raw = append(p.cont.raw, raw)
		if isComment {
			return nil
		}
		if continues(text) {
			p.logical.WriteString(text[:len(text)-1] + " ")
			return nil
		}
		p.logical.WriteString(text)
		return p.finishEntry()
	}
	switch {
	case trimmed == "":
		p.add(&line{kind: kindBlank, raw: []string{raw}, file: p.f.Name, line: n})
	case isComment:
		p.add(&line{kind: kindComment, value: trimmed, raw: []string{raw}, file: p.f.Name, line: n})
	case trimmed[0] == '[':
		return p.header(trimmed, raw, n)
	case continues(text):
		p.cont = &line{kind: kindEntry, raw: []string{raw}, file: p.f.Name, line: n}
		p.logical.Reset()
		p.logical.WriteString(text[:len(text)-1] + " ")
	default:
		p.cont = &line{kind: kindEntry, raw: []string{raw}, file: p.f.Name, line: n}
		p.logical.Reset()
		p.logical.WriteString(text)
		return p.finishEntry()
	}
	return nil
}

// continues reports whether a line ends in an unescaped backslash.
func continues(text string) bool {
	n := 0
	for i := len(text) - 1; i >= 0 && text[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

func (p *parser) add(l *line) {
	if p.cur == nil {
		p.f.preamble = append(p.f.preamble, l)
		return
	}
	p.cur.lines = append(p.cur.lines, l)
}

func (p *parser) header(trimmed, raw string, n int) error {
	if !strings.HasSuffix(trimmed, "]") {
		return &ParseError{File: p.f.Name, Line: n, Msg: fmt.Sprintf("invalid section header %q: missing ']'", trimmed)}
	}
	name := trimmed[1 : len(trimmed)-1]
	if !validSectionName(name) {
		return &ParseError{File: p.f.Name, Line: n, Msg: fmt.Sprintf("invalid section name %q", name)}
	}
	p.cur = &section{name: name, raw: []string{raw}, file: p.f.Name, line: n}
	p.f.sections = append(p.f.sections, p.cur)
	return nil
}

// finishEntry splits the logical line of the pending entry into key and value
// (systemd's parse_line(): both stripped of whitespace).
func (p *parser) finishEntry() error {
	l := p.cont
	p.cont = nil
	err := p.entry(l)
	if err != nil && p.lenient {
		var pe *ParseError
		if errors.As(err, &pe) {
			p.skipped = append(p.skipped, pe)
			l.kind, l.value = kindComment, "#"
			p.add(l)
			return nil
		}
	}
	return err
}

// entry splits the logical line of an entry and files it.
func (p *parser) entry(l *line) error {
	text := strings.TrimFunc(p.logical.String(), unicode.IsSpace)
	if p.cur == nil {
		return &ParseError{File: p.f.Name, Line: l.line, Msg: fmt.Sprintf("assignment %q outside of a section", clip(text))}
	}
	eq := strings.IndexByte(text, '=')
	if eq < 0 {
		return &ParseError{File: p.f.Name, Line: l.line, Msg: fmt.Sprintf("line %q is not an assignment (KEY=VALUE), a [Section] header or a comment", clip(text))}
	}
	key := strings.TrimFunc(text[:eq], unicode.IsSpace)
	if !validKey(key) {
		return &ParseError{File: p.f.Name, Line: l.line, Msg: fmt.Sprintf("invalid key %q", key)}
	}
	l.key = key
	l.value = strings.TrimFunc(text[eq+1:], unicode.IsSpace)
	p.cur.lines = append(p.cur.lines, l)
	return nil
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}

// validSectionName accepts what systemd and quadlet accept as a group name:
// non-empty, no brackets, no control characters.
func validSectionName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range name {
		if c == '[' || c == ']' || unicode.IsControl(c) {
			return false
		}
	}
	return true
}

// validKey accepts a non-empty key without '=', whitespace at its ends or
// control characters.
func validKey(key string) bool {
	if key == "" || strings.TrimFunc(key, unicode.IsSpace) != key {
		return false
	}
	for _, c := range key {
		if c == '=' || unicode.IsControl(c) {
			return false
		}
	}
	return true
}
