package unitfile

import (
	"fmt"
	"strings"
	"unicode"
)

// ParseQuadlet reads a quadlet unit file (.container and its .d/*.conf
// drop-ins) with the line rules of podman's quadlet (podman 5.4,
// pkg/systemd/parser), which differ from systemd's in ways that change values:
//
//   - every physical line is trimmed of surrounding whitespace first;
//   - a line ending in a backslash is joined to the next one without the
//     backslash and without adding a space (systemd puts a space there and
//     keeps the next line's indentation); the last line of a file never
//     continues;
//   - comment lines inside a continued entry are skipped, blank lines are
//     comments too (they do not end the entry);
//   - a section header may be followed by blanks; a byte-order mark is not
//     skipped.
//
// One difference on purpose: a key with control characters fails the file
// here (quadlet would pass it through to systemd, which ignores it).
//
// The result keeps the raw lines (Write reproduces the input) and, for each
// entry, the file and first line. Values are what quadlet stores; the lookup
// helpers of package quadlet apply quadlet's trimming on top.
func ParseQuadlet(data []byte, name string) (*File, error) {
	f := &File{Name: name}
	text := string(data)
	if text == "" {
		return f, nil
	}
	if strings.HasSuffix(text, "\n") {
		text = text[:len(text)-1]
	} else {
		f.noFinalNewline = true
	}
	lines := strings.Split(text, "\n")
	var cur *section
	var pending *line // the entry being continued
	var joined strings.Builder
	for i, raw := range lines {
		n := i + 1
		t := strings.TrimSpace(raw)
		comment := t == "" || t[0] == '#' || t[0] == ';'
		if pending != nil {
			pending.raw = append(pending.raw, raw)
			if comment {
				continue
			}
		}
		if !comment && strings.HasSuffix(t, "\\") {
			t = t[:len(t)-1]
			if n != len(lines) {
				if pending == nil {
					pending = &line{kind: kindEntry, raw: []string{raw}, file: name, line: n}
					joined.Reset()
				}
				joined.WriteString(t)
				continue
			}
		}
		l := &line{raw: []string{raw}, file: name, line: n}
		if pending != nil && !comment {
			joined.WriteString(t)
			t = joined.String()
			l = pending
			pending = nil
		}
		var err error
		if cur, err = quadletLine(f, cur, l, t, comment); err != nil {
			return nil, err
		}
	}
	if pending != nil {
		// Only comments followed the last continued line: quadlet never
		// finishes such an entry and drops it. Its lines stay for Write.
		pending.kind, pending.value = kindComment, "#"
		if cur == nil {
			f.preamble = append(f.preamble, pending)
		} else {
			cur.lines = append(cur.lines, pending)
		}
	}
	return f, nil
}

// quadletLine files one logical line; it returns the section now open.
func quadletLine(f *File, cur *section, l *line, t string, comment bool) (*section, error) {
	switch {
	case comment && t == "":
		l.kind = kindBlank
	case comment:
		l.kind, l.value = kindComment, t
	case quadletHeader(t):
		end := strings.IndexByte(t, ']')
		name := t[1:end]
		if !validSectionName(name) {
			return nil, &ParseError{File: f.Name, Line: l.line, Msg: fmt.Sprintf("invalid group name %q", name)}
		}
		s := &section{name: name, raw: l.raw, file: f.Name, line: l.line}
		f.sections = append(f.sections, s)
		return s, nil
	case strings.IndexByte(t, '=') > 0:
		eq := strings.IndexByte(t, '=')
		key := strings.TrimRightFunc(t[:eq], unicode.IsSpace)
		if !validKey(key) {
			return nil, &ParseError{File: f.Name, Line: l.line, Msg: fmt.Sprintf("invalid key name %q", key)}
		}
		if cur == nil {
			return nil, &ParseError{File: f.Name, Line: l.line, Msg: "key file does not start with a group"}
		}
		l.kind, l.key, l.value = kindEntry, key, strings.TrimLeftFunc(t[eq+1:], unicode.IsSpace)
	default:
		return nil, &ParseError{File: f.Name, Line: l.line, Msg: fmt.Sprintf("line %q is not a key-value pair, group, or comment", clip(t))}
	}
	if cur == nil {
		f.preamble = append(f.preamble, l)
	} else {
		cur.lines = append(cur.lines, l)
	}
	return cur, nil
}

// quadletHeader reports whether t is "[name]" followed only by blanks.
func quadletHeader(t string) bool {
	if t == "" || t[0] != '[' {
		return false
	}
	end := strings.IndexByte(t, ']')
	if end < 0 {
		return false
	}
	return strings.Trim(t[end+1:], " \t") == ""
}
