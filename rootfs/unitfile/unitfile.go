package unitfile

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
)

// File is one parsed (or built) unit file.
type File struct {
	// Name is the file name given to Parse or New (a path or a base name); it
	// is what errors and entries report, and what Merge sorts drop-ins by.
	Name string
	// preamble holds the comment and blank lines before the first section.
	preamble []*line
	sections []*section
	// noFinalNewline records that the parsed input did not end in '\n', so that
	// Write reproduces it exactly.
	noFinalNewline bool
}

// section is one [Name] header and the lines under it.
type section struct {
	name  string
	raw   []string // the header line as written; nil when built in code
	file  string
	line  int
	lines []*line
}

type lineKind int

const (
	kindBlank lineKind = iota
	kindComment
	kindEntry
)

// line is one logical line: a blank line, a comment, or an entry (which may
// span several physical lines through continuation).
type line struct {
	kind  lineKind
	key   string
	value string   // entries: the value with continuations applied and trimmed; comments: the text
	raw   []string // the physical lines as written; nil when built in code
	file  string
	line  int // 1-based number of the first physical line; 0 when built in code
}

// Entry is one KEY=VALUE assignment and where it came from.
type Entry struct {
	Section string
	Key     string
	Value   string
	// File and Line locate the assignment's first physical line (Line is 0
	// for entries added in code).
	File string
	Line int
}

// Pos is the entry's position as "file:line" (just the file name when the
// entry was added in code).
func (e Entry) Pos() string {
	if e.Line == 0 {
		return e.File
	}
	return e.File + ":" + strconv.Itoa(e.Line)
}

// New returns an empty unit file with the given name.
func New(name string) *File { return &File{Name: name} }

// Sections lists the section names in order of first appearance, each once.
func (f *File) Sections() []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range f.sections {
		if !seen[s.name] {
			seen[s.name] = true
			out = append(out, s.name)
		}
	}
	return out
}

// HasSection reports whether the file has a [name] header.
func (f *File) HasSection(name string) bool {
	for _, s := range f.sections {
		if s.name == name {
			return true
		}
	}
	return false
}

// Entries returns every assignment in file order (all sections).
func (f *File) Entries() []Entry {
	var out []Entry
	for _, s := range f.sections {
		for _, l := range s.lines {
			if l.kind == kindEntry {
				out = append(out, l.entry(s.name))
			}
		}
	}
	return out
}

// SectionEntries returns the assignments of one section (all its repeats), in
// order.
func (f *File) SectionEntries(sectionName string) []Entry {
	var out []Entry
	for _, s := range f.sections {
		if s.name != sectionName {
			continue
		}
		for _, l := range s.lines {
			if l.kind == kindEntry {
				out = append(out, l.entry(s.name))
			}
		}
	}
	return out
}

// Keys lists the keys assigned in a section, in order of first appearance.
func (f *File) Keys(sectionName string) []string {
	var out []string
	seen := map[string]bool{}
	for _, e := range f.SectionEntries(sectionName) {
		if !seen[e.Key] {
			seen[e.Key] = true
			out = append(out, e.Key)
		}
	}
	return out
}

func (l *line) entry(sectionName string) Entry {
	return Entry{Section: sectionName, Key: l.key, Value: l.value, File: l.file, Line: l.line}
}

// Lookup returns the value of the last assignment of key in section: the
// value of a single-valued setting. ok is false when the key is not assigned.
// An empty value (KEY=) is returned as "" with ok true.
func (f *File) Lookup(sectionName, key string) (value string, ok bool) {
	e, ok := f.LookupEntry(sectionName, key)
	return e.Value, ok
}

// LookupEntry is Lookup returning the whole entry, with its file and line.
func (f *File) LookupEntry(sectionName, key string) (Entry, bool) {
	for i := len(f.sections) - 1; i >= 0; i-- {
		s := f.sections[i]
		if s.name != sectionName {
			continue
		}
		for j := len(s.lines) - 1; j >= 0; j-- {
			if l := s.lines[j]; l.kind == kindEntry && l.key == key {
				return l.entry(s.name), true
			}
		}
	}
	return Entry{}, false
}

// LookupAll returns the values of a list setting: every assignment of key in
// section, in order, where an empty assignment drops everything before it
// (systemd.syntax(5); quadlet's LookupAll does the same).
func (f *File) LookupAll(sectionName, key string) []string {
	var out []string
	for _, e := range f.LookupAllEntries(sectionName, key) {
		out = append(out, e.Value)
	}
	return out
}

// LookupAllEntries is LookupAll returning the entries, with files and lines.
func (f *File) LookupAllEntries(sectionName, key string) []Entry {
	var out []Entry
	for _, e := range f.SectionEntries(sectionName) {
		if e.Key != key {
			continue
		}
		if e.Value == "" {
			out = out[:0]
			continue
		}
		out = append(out, e)
	}
	return out
}

// LookupBool interprets the last value of key as a systemd boolean
// (1/yes/true/on, 0/no/false/off, case-insensitive). ok is false when the key
// is unset or the value is not a boolean.
func (f *File) LookupBool(sectionName, key string) (value, ok bool) {
	v, found := f.Lookup(sectionName, key)
	if !found {
		return false, false
	}
	return ParseBool(v)
}

// ParseBool parses a systemd boolean (systemd's parse_boolean()).
func ParseBool(v string) (value, ok bool) {
	switch strings.ToLower(v) {
	case "1", "yes", "y", "true", "t", "on":
		return true, true
	case "0", "no", "n", "false", "f", "off":
		return false, true
	}
	return false, false
}

// Add appends KEY=VALUE to the last [sectionName] of the file, creating the
// section at the end when it is missing. Keys and values come from code, so a
// key that is not a valid unit-file key or a value with a line break is a
// programming error: Add panics.
func (f *File) Add(sectionName, key, value string) {
	mustValid(sectionName, key, value)
	s := f.ensureSection(sectionName)
	s.insert(&line{kind: kindEntry, key: key, value: value, file: f.Name})
}

// AddEntry appends an entry built elsewhere (a generated unit) to the last
// [e.Section], keeping the file and line it names so that lookups report
// where the value came from. Unlike Add it does not check the value: Write
// renders it as KEY=VALUE, which may not read back for values with line
// breaks. An invalid section or key name is a programming error (panic).
func (f *File) AddEntry(e Entry) {
	if !validSectionName(e.Section) || !validKey(e.Key) {
		panic(fmt.Sprintf("unitfile: invalid section %q or key %q", e.Section, e.Key))
	}
	f.ensureSection(e.Section).insert(&line{kind: kindEntry, key: e.Key, value: e.Value, file: e.File, line: e.Line})
}

// Set replaces the value of the last assignment of key in section, or adds
// one. Earlier assignments stay (they no longer matter for single values).
func (f *File) Set(sectionName, key, value string) {
	mustValid(sectionName, key, value)
	for i := len(f.sections) - 1; i >= 0; i-- {
		s := f.sections[i]
		if s.name != sectionName {
			continue
		}
		for j := len(s.lines) - 1; j >= 0; j-- {
			if l := s.lines[j]; l.kind == kindEntry && l.key == key {
				s.lines[j] = &line{kind: kindEntry, key: key, value: value, file: f.Name}
				return
			}
		}
	}
	f.Add(sectionName, key, value)
}

// Unset removes every assignment of key from section.
func (f *File) Unset(sectionName, key string) {
	for _, s := range f.sections {
		if s.name != sectionName {
			continue
		}
		kept := s.lines[:0]
		for _, l := range s.lines {
			if !(l.kind == kindEntry && l.key == key) {
				kept = append(kept, l)
			}
		}
		s.lines = kept
	}
}

// AddComment appends a comment line ("# text") to a section, or to the
// preamble before the first section when sectionName is "".
func (f *File) AddComment(sectionName, text string) {
	if strings.ContainsAny(text, "\r\n") {
		panic(fmt.Sprintf("unitfile: comment %q has a line break", text))
	}
	l := &line{kind: kindComment, value: "# " + text, file: f.Name}
	if text == "" {
		l.value = "#"
	}
	if sectionName == "" {
		f.preamble = append(f.preamble, l)
		return
	}
	f.ensureSection(sectionName).insert(l)
}

// AddSection appends an empty [sectionName] header unless the file has one.
func (f *File) AddSection(sectionName string) {
	if !validSectionName(sectionName) {
		panic(fmt.Sprintf("unitfile: invalid section name %q", sectionName))
	}
	f.ensureSection(sectionName)
}

func (f *File) ensureSection(name string) *section {
	for i := len(f.sections) - 1; i >= 0; i-- {
		if f.sections[i].name == name {
			return f.sections[i]
		}
	}
	s := &section{name: name, file: f.Name}
	f.sections = append(f.sections, s)
	return s
}

// insert adds l after the section's last non-blank line, so that blank lines
// separating it from the next section stay at its end.
func (s *section) insert(l *line) {
	i := len(s.lines)
	for i > 0 && s.lines[i-1].kind == kindBlank {
		i--
	}
	s.lines = append(s.lines, nil)
	copy(s.lines[i+1:], s.lines[i:])
	s.lines[i] = l
}

func mustValid(sectionName, key, value string) {
	if !validSectionName(sectionName) {
		panic(fmt.Sprintf("unitfile: invalid section name %q", sectionName))
	}
	if !validKey(key) {
		panic(fmt.Sprintf("unitfile: invalid key %q", key))
	}
	if strings.ContainsAny(value, "\r\n") || continues(value) || strings.TrimFunc(value, unicode.IsSpace) != value {
		panic(fmt.Sprintf("unitfile: value %q of %s would not read back (line break, trailing backslash or surrounding space)", value, key))
	}
}

// Write writes the file. A parsed file is reproduced byte for byte; lines
// added in code are written as "KEY=VALUE", with a blank line before each new
// section that follows another.
func (f *File) Write(w io.Writer) error {
	var b bytes.Buffer
	for _, l := range f.preamble {
		l.write(&b)
	}
	for i, s := range f.sections {
		if s.raw == nil && (i > 0 || len(f.preamble) > 0) && !endsBlank(b.Bytes()) {
			b.WriteByte('\n')
		}
		if s.raw != nil {
			writeRaw(&b, s.raw)
		} else {
			b.WriteString("[" + s.name + "]\n")
		}
		for _, l := range s.lines {
			l.write(&b)
		}
	}
	out := b.Bytes()
	if f.noFinalNewline && len(out) > 0 && out[len(out)-1] == '\n' {
		out = out[:len(out)-1]
	}
	_, err := w.Write(out)
	return err
}

// Bytes is Write into a byte slice.
func (f *File) Bytes() []byte {
	var b bytes.Buffer
	_ = f.Write(&b)
	return b.Bytes()
}

// String is Bytes as a string.
func (f *File) String() string { return string(f.Bytes()) }

func endsBlank(b []byte) bool {
	return len(b) >= 2 && b[len(b)-1] == '\n' && b[len(b)-2] == '\n'
}

func (l *line) write(b *bytes.Buffer) {
	if l.raw != nil {
		writeRaw(b, l.raw)
		return
	}
	switch l.kind {
	case kindBlank:
		b.WriteByte('\n')
	case kindComment:
		b.WriteString(l.value + "\n")
	default:
		b.WriteString(l.key + "=" + l.value + "\n")
	}
}

func writeRaw(b *bytes.Buffer, raw []string) {
	for _, r := range raw {
		b.WriteString(r)
		b.WriteByte('\n')
	}
}

// Clone returns a deep copy of f.
func (f *File) Clone() *File {
	c := &File{Name: f.Name, noFinalNewline: f.noFinalNewline}
	for _, l := range f.preamble {
		c.preamble = append(c.preamble, l.clone())
	}
	for _, s := range f.sections {
		c.sections = append(c.sections, s.clone())
	}
	return c
}

func (s *section) clone() *section {
	c := &section{name: s.name, raw: s.raw, file: s.file, line: s.line}
	for _, l := range s.lines {
		c.lines = append(c.lines, l.clone())
	}
	return c
}

func (l *line) clone() *line { c := *l; return &c }
