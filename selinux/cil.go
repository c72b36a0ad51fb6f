package selinux

import (
	"strings"
)

// CILGrant is one permission an allow rule of a CIL policy module gives.
type CILGrant struct {
	Class, Perm string
	// Line is the allow rule's line in the module.
	Line int
	Rule string
}

// CILGrants lists what a CIL policy module allows the domain (directly, or through
// a type attribute set that contains it): class and permission pairs, with
// "all" and "*" permission lists expanded to the permissions asked for in
// want. Named classpermissionsets are followed.
func CILGrants(text, domain string, want map[string][]string) []CILGrant {
	exprs := cilParse(text)
	subjects := map[string]bool{domain: true}
	sets := map[string][]any{}
	for _, e := range exprs {
		l, ok := e.v.([]any)
		if !ok || len(l) < 3 {
			continue
		}
		switch l[0] {
		case "typeattributeset":
			if name, ok := l[1].(string); ok && cilContains(l[2], domain) {
				subjects[name] = true
			}
		case "classpermissionset":
			if name, ok := l[1].(string); ok {
				sets[name] = l[2:]
			}
		}
	}
	var out []CILGrant
	for _, e := range exprs {
		l, ok := e.v.([]any)
		if !ok || len(l) != 4 || l[0] != "allow" {
			continue
		}
		src, _ := l[1].(string)
		if !subjects[src] {
			continue
		}
		perms := l[3]
		if name, ok := perms.(string); ok {
			if s, ok := sets[name]; ok && len(s) == 1 {
				perms = s[0]
			}
		}
		cp, ok := perms.([]any)
		if !ok || len(cp) != 2 {
			continue
		}
		class, _ := cp[0].(string)
		for _, p := range cilAtoms(cp[1]) {
			if p == "all" || p == "*" {
				for _, w := range want[class] {
					out = append(out, CILGrant{class, w, e.line, e.text})
				}
				continue
			}
			out = append(out, CILGrant{class, p, e.line, e.text})
		}
	}
	return out
}

type cilExpr struct {
	v    any // string or []any
	line int
	text string
}

// cilParse reads the top-level S-expressions of CIL text (';' comments).
func cilParse(text string) []cilExpr {
	var out []cilExpr
	var stack [][]any
	line, start, startLine := 1, 0, 0
	i := 0
	atom := func(j int) {
		if j > i {
			a := text[i:j]
			if len(stack) > 0 {
				stack[len(stack)-1] = append(stack[len(stack)-1], a)
			}
		}
	}
	for j := 0; j < len(text); j++ {
		c := text[j]
		switch c {
		case ';':
			atom(j)
			for j < len(text) && text[j] != '\n' {
				j++
			}
			line++
			i = j + 1
		case '(':
			atom(j)
			if len(stack) == 0 {
				start, startLine = j, line
			}
			stack = append(stack, nil)
			i = j + 1
		case ')':
			atom(j)
			i = j + 1
			if len(stack) == 0 {
				continue
			}
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				out = append(out, cilExpr{top, startLine, strings.Join(strings.Fields(text[start:j+1]), " ")})
			} else {
				stack[len(stack)-1] = append(stack[len(stack)-1], top)
			}
		case ' ', '\t', '\n', '\r':
			atom(j)
			if c == '\n' {
				line++
			}
			i = j + 1
		case '"':
			k := strings.IndexByte(text[j+1:], '"')
			if k < 0 {
				return out
			}
			j += k + 1
		}
	}
	return out
}

func cilAtoms(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, y := range x {
			out = append(out, cilAtoms(y)...)
		}
		return out
	}
	return nil
}

func cilContains(v any, s string) bool {
	for _, a := range cilAtoms(v) {
		if a == s {
			return true
		}
	}
	return false
}
