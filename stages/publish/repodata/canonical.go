package repodata

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// A scanner reads metadata that must be byte for byte in the canonical form
// xmlwrite.go writes. It accepts a strict subset of XML: one layout, one
// attribute order, one spelling of each escape. Whatever it accepts, the
// encoding/xml parsers (xmlread.go) read to values that the writer renders
// back to the same bytes, which is what lets update mode copy an unchanged
// package's elements verbatim (verbatim.go); FuzzSplitMetadata checks this
// against those parsers. Anything else stops the scanner, and the caller
// falls back to the full parse.
//
// Errors are sticky: after the first mismatch every method does nothing, so
// grammar code reads as a sequence and checks s.err once.
type scanner struct {
	b   []byte
	i   int
	err error
}

// notCanonical is where and why a document left the canonical form. It is
// not a user error: the full parse decides whether the document is valid.
type notCanonical struct {
	Off  int
	What string
}

func (e *notCanonical) Error() string {
	return fmt.Sprintf("offset %d: not in canonical form: %s", e.Off, e.What)
}

func (s *scanner) fail(what string) {
	if s.err == nil {
		s.err = &notCanonical{Off: s.i, What: what}
	}
}

// at reports whether lit comes next.
func (s *scanner) at(lit string) bool {
	return s.err == nil && len(s.b)-s.i >= len(lit) && string(s.b[s.i:s.i+len(lit)]) == lit
}

// lit consumes lit or fails.
func (s *scanner) lit(lit string) {
	if s.at(lit) {
		s.i += len(lit)
		return
	}
	s.fail("want " + strings.TrimSpace(lit))
}

// attr consumes an attribute given as ` name="` and returns its value as
// escapeAttr writes it.
func (s *scanner) attr(open string) []byte {
	s.lit(open)
	if s.err != nil {
		return nil
	}
	n := bytes.IndexByte(s.b[s.i:], '"')
	if n < 0 {
		s.fail("unterminated attribute")
		return nil
	}
	v := s.b[s.i : s.i+n]
	if !canonicalEscapes(v, true) {
		s.fail("attribute value not as escapeAttr writes it")
		return nil
	}
	s.i += n + 1
	return v
}

// optAttr is attr when the attribute comes next, nil otherwise.
func (s *scanner) optAttr(open string) []byte {
	if !s.at(open) {
		return nil
	}
	return s.attr(open)
}

// text consumes character data up to the next '<', which must start close,
// and returns it as escapeText writes it.
func (s *scanner) text(close string) []byte {
	if s.err != nil {
		return nil
	}
	n := bytes.IndexByte(s.b[s.i:], '<')
	if n < 0 {
		s.fail("unterminated text")
		return nil
	}
	v := s.b[s.i : s.i+n]
	if !canonicalEscapes(v, false) {
		s.fail("text not as escapeText writes it")
		return nil
	}
	s.i += n
	s.lit(close)
	return v
}

// num consumes an attribute holding an integer as itoa writes it.
func (s *scanner) num(open string) int64 {
	v := s.attr(open)
	if s.err != nil {
		return 0
	}
	n, ok := canonicalInt(v)
	if !ok {
		s.fail("integer not as itoa writes it")
	}
	return n
}

// canonicalInt parses the decimal form strconv.FormatInt writes: no sign but
// '-', no leading zero, no "-0", within int64.
func canonicalInt(v []byte) (int64, bool) {
	neg := len(v) > 0 && v[0] == '-'
	d := v
	if neg {
		d = v[1:]
	}
	if len(d) == 0 || len(d) > 19 || d[0] == '0' && (len(d) > 1 || neg) {
		return 0, false
	}
	var u uint64
	for _, c := range d {
		if c < '0' || c > '9' {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	switch {
	case !neg && u <= 1<<63-1:
		return int64(u), true
	case neg && u <= 1<<63:
		return int64(-u), true //nolint:gosec // -u wraps to MinInt64 exactly when u is 1<<63
	}
	return 0, false
}

// canonicalEscapes reports whether v is exactly what escapeAttr (attr) or
// escapeText writes for the string encoding/xml decodes from v: valid UTF-8
// of XML characters (encoding/xml's isInCharacterRange), every character the
// escaper replaces replaced, and no other reference. Text keeps tab and
// newline raw; attributes escape them.
func canonicalEscapes(v []byte, attr bool) bool {
	for i := 0; i < len(v); {
		c := v[i]
		switch {
		case c == '&':
			n := entityLen(v[i:], attr)
			if n == 0 {
				return false
			}
			i += n
			continue
		case c == '<' || c == '>' || c == '"' && attr:
			return false
		case c < 0x20:
			if attr || c != '\t' && c != '\n' {
				return false
			}
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(v[i:])
			if r == utf8.RuneError && size == 1 || r == 0xfffe || r == 0xffff {
				return false
			}
			i += size
			continue
		}
		i++
	}
	return true
}

// The references escapeText and escapeAttr write (libxml2's), and the
// characters they stand for.
var (
	textEntities = []string{"&lt;", "&gt;", "&amp;", "&#13;"}
	attrEntities = []string{"&lt;", "&gt;", "&amp;", "&#13;", "&quot;", "&#10;", "&#9;"}
)

// entityChar is the character a reference stands for (a switch, not a map
// built at every start).
func entityChar(ref string) byte {
	switch ref {
	case "&lt;":
		return '<'
	case "&gt;":
		return '>'
	case "&amp;":
		return '&'
	case "&#13;":
		return '\r'
	case "&quot;":
		return '"'
	case "&#10;":
		return '\n'
	case "&#9;":
		return '\t'
	}
	return 0
}

func entityLen(v []byte, attr bool) int {
	set := textEntities
	if attr {
		set = attrEntities
	}
	for _, e := range set {
		if len(v) >= len(e) && string(v[:len(e)]) == e {
			return len(e)
		}
	}
	return 0
}

// unescape decodes canonical text or attribute bytes.
func unescape(v []byte) string {
	if bytes.IndexByte(v, '&') < 0 {
		return string(v)
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '&' {
			if n := entityLen(v[i:], true); n > 0 {
				b.WriteByte(entityChar(string(v[i : i+n])))
				i += n - 1
				continue
			}
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// sameValue reports whether two canonical byte strings, each escaped as text
// or as an attribute, decode to the same string.
func sameValue(a, b []byte) bool {
	return bytes.Equal(a, b) || unescape(a) == unescape(b)
}
