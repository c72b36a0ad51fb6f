package selinux

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"sync"
	"unicode/utf8"
)

// libselinux compiles each file_contexts regex with PCRE2 as "^" + regex + "$"
// (compile_regex in label_file.h), with PCRE2_DOTALL and without PCRE2_UTF
// (regex.c): "." matches any byte including a newline, and "$" matches at the
// end or before a final newline. The anchors are not grouped, so a top-level
// "|" leaves one side unanchored, exactly as in libselinux.
//
// Go's regexp is RE2. translateRegex turns the PCRE constructs that differ
// into RE2 that matches the same byte strings:
//   - the whole pattern runs with (?s), PCRE2_DOTALL;
//   - "$" and "\Z" outside a class become (?:\n?\z): end, or a final newline;
//   - "\s" becomes [\t\n\v\f\r ] (PCRE2 includes VT, RE2 does not);
//   - subjects are bytes, not UTF-8: paths with bytes >= 0x80 are matched as
//     Latin-1 (one rune per byte, see latin1), and so are escapes like \xff.
//
// Constructs RE2 cannot express (back-references, look-around, atomic groups,
// possessive quantifiers) are reported as errors naming the construct; none
// occurs in refpolicy's or Fedora's file_contexts.
func translateRegex(pcre string) (string, error) {
	var b strings.Builder
	b.Grow(len(pcre) + 16)
	b.WriteString("(?s)")
	inClass := false
	classStart := 0
	for i := 0; i < len(pcre); i++ {
		c := pcre[i]
		switch {
		case c == '\\':
			if i+1 >= len(pcre) {
				return "", fmt.Errorf("trailing backslash")
			}
			n := pcre[i+1]
			i++
			switch {
			case n == 's' && !inClass:
				b.WriteString(`[\t\n\v\f\r ]`)
			case n == 's':
				b.WriteString(`\t\n\v\f\r `)
			case n == 'Z' && !inClass:
				b.WriteString(`(?:\n?\z)`)
			case n >= '1' && n <= '9' && !inClass:
				return "", fmt.Errorf("back-reference \\%c is not supported", n)
			case strings.IndexByte("hHvVRKXgkGN", n) >= 0:
				return "", fmt.Errorf("escape \\%c is not supported", n)
			default:
				b.WriteByte('\\')
				b.WriteByte(n)
			}
			continue
		case inClass:
			// A ']' right after '[' or '[^' is a literal, as in PCRE and RE2.
			if c == ']' && i > classStart {
				inClass = false
			}
			if c == '[' && i+1 < len(pcre) && pcre[i+1] == ':' {
				if end := strings.Index(pcre[i:], ":]"); end > 0 {
					b.WriteString(pcre[i : i+end+2])
					i += end + 1
					continue
				}
			}
		case c == '[':
			inClass = true
			classStart = i + 1
			if classStart < len(pcre) && pcre[classStart] == '^' {
				classStart++
			}
		case c == '$':
			b.WriteString(`(?:\n?\z)`)
			continue
		case c == '(' && i+2 < len(pcre) && pcre[i+1] == '?':
			switch pcre[i+2] {
			case '=', '!', '<', '>', '|', '#', 'R', '&', 'C':
				if !(pcre[i+2] == '<' && i+3 < len(pcre) && pcre[i+3] != '=' && pcre[i+3] != '!') {
					return "", fmt.Errorf("group (?%c is not supported", pcre[i+2])
				}
			}
		case (c == '+') && i > 0 && isQuantifierEnd(pcre, i-1):
			return "", fmt.Errorf("possessive quantifier at offset %d is not supported", i)
		case c >= utf8.RuneSelf:
			// Non-ASCII bytes: match them as Latin-1 runes, like the subject.
			b.WriteString(string(rune(c)))
			continue
		}
		b.WriteByte(c)
	}
	if inClass {
		return "", fmt.Errorf("missing terminating ] for character class")
	}
	return b.String(), nil
}

// isQuantifierEnd reports whether pcre[i] ends a quantifier (*, +, ?, {n,m}),
// so that a following '+' makes it possessive. An escaped char is not one.
func isQuantifierEnd(pcre string, i int) bool {
	switch pcre[i] {
	case '*', '+', '?', '}':
		return !escaped(pcre, i)
	}
	return false
}

func escaped(s string, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && s[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}

// compiledRegex is one anchored file_contexts regex, ready to match. Its
// syntax is checked when it is made; the matching program is compiled on
// the first subject that starts with its literal prefix (a policy has
// thousands of lines and a check of a small tree asks a few of them).
type compiledRegex struct {
	re *lazyRegexp
	// prefix is a literal every matching subject starts with ("" if none);
	// literal means the regex matches prefix (or prefix + "\n") only.
	prefix  string
	literal bool
}

// compileAnchored compiles "^" + body + "$" the way compile_regex does.
func compileAnchored(body string) (compiledRegex, error) {
	tr, err := translateRegex("^" + body + "$")
	if err != nil {
		return compiledRegex{}, err
	}
	parsed, err := syntax.Parse(tr, syntax.Perl)
	if err != nil {
		return compiledRegex{}, cleanRegexError(err)
	}
	cr := compiledRegex{re: &lazyRegexp{expr: tr}}
	cr.prefix, cr.literal = literalPrefixOf(parsed)
	return cr, nil
}

// lazyRegexp is a regexp compiled on first use, from any goroutine.
type lazyRegexp struct {
	expr string
	once sync.Once
	re   *regexp.Regexp
}

// get compiles the expression, whose syntax was checked when it was read
// (regexp.Compile parses it the same way), so it cannot fail; a nil result
// would match nothing.
func (l *lazyRegexp) get() *regexp.Regexp {
	l.once.Do(func() { l.re, _ = regexp.Compile(l.expr) })
	return l.re
}

// cleanRegexError drops Go's "error parsing regexp: " lead-in; the caller
// names the file, line and pattern.
func cleanRegexError(err error) error {
	var se *syntax.Error
	if e, ok := err.(*syntax.Error); ok {
		se = e
		return fmt.Errorf("%s: %s", se.Code, se.Expr)
	}
	return err
}

// literalPrefixOf finds the literal text every match of the anchored,
// translated, parsed regex starts with, and whether the regex is exactly that
// text (optionally followed by the final newline "$" allows).
func literalPrefixOf(re *syntax.Regexp) (string, bool) {
	re = re.Simplify()
	if re.Op != syntax.OpConcat || len(re.Sub) < 2 || re.Sub[0].Op != syntax.OpBeginText {
		return "", false
	}
	var b strings.Builder
	subs := re.Sub[1:]
	for len(subs) > 0 && subs[0].Op == syntax.OpLiteral && subs[0].Flags&syntax.FoldCase == 0 {
		for _, r := range subs[0].Rune {
			if r >= 0x100 {
				return b.String(), false
			}
			b.WriteRune(r) // Latin-1, as the mapped subject
		}
		subs = subs[1:]
	}
	if len(subs) == 1 && subs[0].Op == syntax.OpConcat {
		subs = subs[0].Sub
	}
	literal := len(subs) == 2 && isFinalNewline(subs[0]) && subs[1].Op == syntax.OpEndText
	return b.String(), literal
}

// isFinalNewline reports whether re is \n?, the first half of the
// translation of "$".
func isFinalNewline(q *syntax.Regexp) bool {
	return q.Op == syntax.OpQuest && len(q.Sub) == 1 && q.Sub[0].Op == syntax.OpLiteral &&
		len(q.Sub[0].Rune) == 1 && q.Sub[0].Rune[0] == '\n'
}

// latin1 returns s with every byte as one rune, so that Go's rune-based regexp
// sees the bytes libselinux's byte-mode PCRE2 sees. ASCII strings are
// returned as they are.
func latin1(s string) string {
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) * 2)
	b.WriteString(s[:i])
	for ; i < len(s); i++ {
		b.WriteRune(rune(s[i]))
	}
	return b.String()
}

// match reports whether the subject (already latin1-mapped) matches.
func (c *compiledRegex) match(subject string) bool {
	if c.literal {
		return subject == c.prefix || (len(subject) == len(c.prefix)+1 && subject[len(c.prefix)] == '\n' && strings.HasPrefix(subject, c.prefix))
	}
	if !strings.HasPrefix(subject, c.prefix) {
		return false
	}
	re := c.re.get()
	return re != nil && re.MatchString(subject)
}
