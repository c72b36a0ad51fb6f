package unitfile

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// SplitFlags choose how SplitWords reads a value, as the flags of systemd's
// extract_first_word() (src/basic/extract-word.c) do. Each caller passes the
// flags of the systemd or quadlet function it stands for.
type SplitFlags uint

// The flags. Whitespace (space, tab, newline, carriage return) separates words.
const (
	// SplitRelax accepts an unbalanced quote or a trailing backslash.
	SplitRelax SplitFlags = 1 << iota
	// SplitCUnescape decodes C escapes (\n, \t, \x41, \101, \u00e9, \s, …).
	SplitCUnescape
	// SplitUnescapeRelax keeps unknown escapes and a trailing backslash.
	SplitUnescapeRelax
	// SplitUnescapeSeparators lets a backslash escape a separator or itself.
	SplitUnescapeSeparators
	// SplitUnquote treats '…' and "…" as one word part and removes the quotes.
	SplitUnquote
	// SplitRetainEscape treats the backslash as an ordinary character.
	SplitRetainEscape
	// SplitStopAtEmpty reproduces podman's quadlet (pkg/systemd/parser in
	// podman 5.4): a word that reads as empty ("" or '') ends the split and
	// drops the rest of the value. systemd keeps the empty word.
	SplitStopAtEmpty
)

const separators = " \t\n\r"

// Errors of SplitWords.
var (
	ErrUnbalancedQuotes = errors.New("unbalanced quotes")
	ErrUnbalancedEscape = errors.New("unbalanced escape")
	ErrUnknownEscape    = errors.New("unsupported escape sequence")
)

// SplitWords splits a value into words with systemd's quoting and escaping
// rules (systemd.syntax(5), "Quoting"), as the flags say.
func SplitWords(s string, flags SplitFlags) ([]string, error) {
	var out []string
	for {
		word, rest, ok, err := extractWord(s, flags)
		if err != nil {
			return out, err
		}
		if !ok || (word == "" && flags&SplitStopAtEmpty != 0) {
			return out, nil
		}
		out = append(out, word)
		s = rest
	}
}

// ExtractWord returns the first word of s and the rest after it; ok is false
// when s holds no further word.
func ExtractWord(s string, flags SplitFlags) (word, rest string, ok bool, err error) {
	return extractWord(s, flags)
}

func isSeparator(c byte) bool { return strings.IndexByte(separators, c) >= 0 }

// extractWord reads one word. A word starts at the first non-separator; from
// then on a result is returned even when it is empty (a quoted "").
func extractWord(s string, flags SplitFlags) (string, string, bool, error) {
	i := 0
	for i < len(s) && isSeparator(s[i]) {
		i++
	}
	if i == len(s) {
		return "", "", false, nil
	}
	var b strings.Builder
	var quote byte
	for i < len(s) {
		c := s[i]
		switch {
		case c == '\\' && flags&SplitRetainEscape == 0:
			n, err := unescapeAt(&b, s, i+1, quote, flags)
			if err != nil {
				return "", "", false, err
			}
			i += 1 + n
			continue
		case quote != 0 && c == quote:
			quote = 0
			if flags&SplitUnquote == 0 {
				b.WriteByte(c)
			}
		case quote != 0:
			b.WriteByte(c)
		case (c == '\'' || c == '"') && flags&SplitUnquote != 0:
			quote = c
		case isSeparator(c):
			for i < len(s) && isSeparator(s[i]) {
				i++
			}
			return b.String(), s[i:], true, nil
		default:
			b.WriteByte(c)
		}
		i++
	}
	if quote != 0 && flags&SplitRelax == 0 {
		return "", "", false, ErrUnbalancedQuotes
	}
	return b.String(), "", true, nil
}

// unescapeAt handles the character(s) after a backslash at s[i:], writing the
// result; it returns how many bytes after the backslash it consumed.
func unescapeAt(b *strings.Builder, s string, i int, quote byte, flags SplitFlags) (int, error) {
	if i >= len(s) {
		switch {
		case flags&SplitUnescapeRelax != 0 && (quote == 0 || flags&SplitRelax != 0):
			b.WriteByte('\\')
			return 0, nil
		case flags&SplitRelax != 0:
			return 0, nil
		}
		return 0, ErrUnbalancedEscape
	}
	c := s[i]
	if flags&(SplitCUnescape|SplitUnescapeSeparators) == 0 {
		b.WriteByte(c)
		return 1, nil
	}
	if flags&SplitCUnescape != 0 {
		if n, ok := cUnescape(b, s[i:]); ok {
			return n, nil
		}
	}
	switch {
	case flags&SplitUnescapeSeparators != 0 && (isSeparator(c) || c == '\\'):
		b.WriteByte(c)
	case flags&SplitUnescapeRelax != 0:
		b.WriteByte('\\')
		b.WriteByte(c)
	default:
		return 0, ErrUnknownEscape
	}
	return 1, nil
}

// cUnescape decodes one C escape (systemd's cunescape_one()) at the start of
// p, which follows a backslash. NUL bytes and code points above U+10FFFF are
// refused. \x and octal escapes give a byte, \u and \U a UTF-8 character.
func cUnescape(b *strings.Builder, p string) (int, bool) {
	simple := map[byte]byte{'a': '\a', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t', 'v': '\v',
		'\\': '\\', '"': '"', '\'': '\'', 's': ' '}
	if c, ok := simple[p[0]]; ok {
		b.WriteByte(c)
		return 1, true
	}
	switch p[0] {
	case 'x':
		v, ok := digits(p[1:], 2, 16)
		if !ok || v == 0 {
			return 0, false
		}
		b.WriteByte(byte(v))
		return 3, true
	case 'u', 'U':
		n := 4
		if p[0] == 'U' {
			n = 8
		}
		v, ok := digits(p[1:], n, 16)
		if !ok || v == 0 || v > utf8.MaxRune {
			return 0, false
		}
		b.WriteRune(rune(v))
		return n + 1, true
	case '0', '1', '2', '3', '4', '5', '6', '7':
		v, ok := digits(p, 3, 8)
		if !ok || v == 0 || v > 255 {
			return 0, false
		}
		b.WriteByte(byte(v))
		return 3, true
	}
	return 0, false
}

// digits reads exactly n digits of base (8 or 16) from the start of s.
func digits(s string, n, base int) (uint32, bool) {
	if len(s) < n {
		return 0, false
	}
	var v uint32
	for _, c := range []byte(s[:n]) {
		d := -1
		switch {
		case c >= '0' && c <= '7', c >= '8' && c <= '9' && base == 16:
			d = int(c - '0')
		case base == 16 && c >= 'a' && c <= 'f':
			d = int(c-'a') + 10
		case base == 16 && c >= 'A' && c <= 'F':
			d = int(c-'A') + 10
		}
		if d < 0 {
			return 0, false
		}
		v = v*uint32(base) + uint32(d)
	}
	return v, true
}

// QuoteWords joins words into a value that SplitWords with SplitUnquote and
// SplitCUnescape reads back, quoting and escaping only where needed (the way
// quadlet writes the command lines it generates).
func QuoteWords(words []string) string {
	var b strings.Builder
	for i, w := range words {
		if i > 0 {
			b.WriteByte(' ')
		}
		if w != "" && !strings.ContainsFunc(w, needsEscape) {
			b.WriteString(w)
			continue
		}
		b.WriteByte('"')
		for _, r := range w {
			switch {
			case r == '"' || r == '\\':
				b.WriteByte('\\')
				b.WriteRune(r)
			case r == '\n':
				b.WriteString(`\n`)
			case r == '\t':
				b.WriteString(`\t`)
			case r < 0x20 || r == 0x7f:
				b.WriteString(`\x`)
				b.WriteByte("0123456789abcdef"[r>>4])
				b.WriteByte("0123456789abcdef"[r&15])
			default:
				b.WriteRune(r)
			}
		}
		b.WriteByte('"')
	}
	return b.String()
}

func needsEscape(r rune) bool {
	return r == ' ' || r == '"' || r == '\'' || r == '\\' || r < 0x20 || r == 0x7f
}
