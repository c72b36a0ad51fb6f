package selinux

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Substitution is one line of file_contexts.subs or .subs_dist: a path
// prefix Src looked up as Dst (e.g. /var/home → /home).
type Substitution struct {
	Src, Dst string
	// File and Line locate the line (set by ParseSubstitutions).
	File string
	Line int
}

// ParseSubstitutions reads a substitution file the way selabel_subs_init
// does: "src dst" per line, '#' comments, lines without dst ignored. The
// result is in lookup order (libselinux prepends, so the last line is tried
// first).
func ParseSubstitutions(r io.Reader, name string) ([]Substitution, error) {
	var out []Substitution
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		f := strings.Fields(sc.Text())
		if len(f) < 2 || strings.HasPrefix(f[0], "#") {
			continue
		}
		out = append(out, Substitution{Src: f[0], Dst: f[1], File: name, Line: n})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	slices.Reverse(out) // appended and reversed: prepending is quadratic
	return out, nil
}

// Substitute is selabel_sub_key: the path a lookup uses for key after the
// local substitutions (file_contexts.subs) and the distribution's
// (file_contexts.subs_dist), and the substitutions that applied.
func Substitute(local, dist []Substitution, key string) (string, []Substitution) {
	var used []Substitution
	cur := key
	if s, i, ok := sub1i(local, cur); ok {
		used, cur = append(used, local[i]), s
	}
	if s, i, ok := sub1i(dist, cur); ok {
		used, cur = append(used, dist[i]), s
	}
	return cur, used
}

func sub1i(list []Substitution, key string) (string, int, bool) {
	for i := range list {
		if s, ok := sub1(list[i:i+1], key); ok {
			return s, i, true
		}
	}
	return "", 0, false
}

// substitute is selabel_sub_key: local substitutions first, then the
// distribution's on the result (or on the key when no local one applied).
func substitute(local, dist []Substitution, key string) (string, bool) {
	if s, ok := sub1(local, key); ok {
		if d, ok := sub1(dist, s); ok {
			return d, true
		}
		return s, true
	}
	return sub1(dist, key)
}

// sub1 is selabel_sub: the first Src that is key or a parent of key.
func sub1(list []Substitution, key string) (string, bool) {
	for _, s := range list {
		if !strings.HasPrefix(key, s.Src) {
			continue
		}
		rest := key[len(s.Src):]
		if rest != "" && rest[0] != '/' {
			continue
		}
		if rest != "" && s.Dst == "/" {
			rest = rest[1:]
		}
		return s.Dst + rest, true
	}
	return "", false
}
