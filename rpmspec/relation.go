package rpmspec

import (
	"fmt"
	"sort"
	"strings"
)

// Relation is one entry of Requires, Provides, Obsoletes, Conflicts or
// Recommends: a name, and optionally an operator and an [epoch:]version[-release].
type Relation struct {
	Name    string
	Op      string // "", "<", "<=", "=", ">=", ">"
	Version string // EVR, empty when Op is empty
}

func (r Relation) String() string {
	if r.Op == "" {
		return r.Name
	}
	return r.Name + " " + r.Op + " " + r.Version
}

var relationOps = []string{"<=", ">=", "=", "<", ">"}

// ParseRelation parses "name", "name >= 1.0" or "name=1.0-1".
func ParseRelation(s string) (Relation, error) {
	s = strings.TrimSpace(s)
	bad := func(msg string) (Relation, error) {
		return Relation{}, &InputError{Field: "relation", Msg: quote(s) + ": " + msg}
	}
	if s == "" {
		return bad("empty")
	}
	var r Relation
	idx, op := -1, ""
	for i := 0; i < len(s); i++ {
		for _, o := range relationOps {
			if strings.HasPrefix(s[i:], o) {
				idx, op = i, o
				break
			}
		}
		if idx >= 0 {
			break
		}
	}
	if idx < 0 {
		r.Name = s
	} else {
		r.Name = strings.TrimSpace(s[:idx])
		r.Op = op
		r.Version = strings.TrimSpace(s[idx+len(op):])
		if r.Version == "" {
			return bad("operator " + op + " without a version")
		}
		if strings.ContainsAny(r.Version, " \t<>=") {
			return bad("malformed version " + quote(r.Version))
		}
	}
	if r.Name == "" {
		return bad("missing name")
	}
	if strings.ContainsAny(r.Name, " \t,") {
		return bad("name must not contain whitespace or commas")
	}
	return r, nil
}

// Relations is a list of relations. It implements pflag.Value, so that a
// repeatable --requires flag binds straight onto the model: each use takes a
// comma-separated list.
type Relations []Relation

func (rs Relations) String() string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = r.String()
	}
	return strings.Join(parts, ", ")
}

// Set adds the comma-separated relations in s.
func (rs *Relations) Set(s string) error {
	for _, part := range strings.Split(s, ",") {
		r, err := ParseRelation(part)
		if err != nil {
			return err
		}
		rs.Add(r)
	}
	return nil
}

// Type is the pflag type name.
func (rs *Relations) Type() string { return "relations" }

// Add appends r unless an identical relation is already present.
func (rs *Relations) Add(r Relation) {
	for _, x := range *rs {
		if x == r {
			return
		}
	}
	*rs = append(*rs, r)
}

// Sorted returns a copy ordered by name, then operator and version, the order
// rpm itself stores them in.
func (rs Relations) Sorted() Relations {
	out := append(Relations(nil), rs...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		if out[i].Op != out[j].Op {
			return out[i].Op < out[j].Op
		}
		return out[i].Version < out[j].Version
	})
	return out
}

// EVR formats a version-release pair.
func EVR(version, release string) string {
	if release == "" {
		return version
	}
	return fmt.Sprintf("%s-%s", version, release)
}
