package quadlet

import (
	"sort"
	"strings"
	"unicode"

	"github.com/qm-build/qm-build/rootfs/unitfile"
)

// view reads a quadlet unit file (parsed with unitfile.ParseQuadlet) the way
// quadlet's lookup functions do (podman 5.4, pkg/systemd/parser): each
// function below names the quadlet function it stands for.
type view struct{ f *unitfile.File }

// last is Lookup: the last assignment, trailing blanks removed and double
// quotes stripped from both ends.
func (v view) last(group, key string) (unitfile.Entry, bool) {
	e, ok := v.f.LookupEntry(group, key)
	if !ok {
		return e, false
	}
	e.Value = strings.Trim(strings.TrimRightFunc(e.Value, unicode.IsSpace), `"`)
	return e, true
}

// value is last's value, "" when unset.
func (v view) value(group, key string) string {
	e, _ := v.last(group, key)
	return e.Value
}

// has is HasKey.
func (v view) has(group, key string) bool {
	_, ok := v.f.LookupEntry(group, key)
	return ok
}

// boolean is LookupBoolean: 1, yes, true and on (any case) are true, every
// other value false; ok is false when the key is unset.
func (v view) boolean(group, key string) (val, ok bool, e unitfile.Entry) {
	e, ok = v.last(group, key)
	if !ok {
		return false, false, e
	}
	switch strings.ToLower(e.Value) {
	case "1", "yes", "true", "on":
		return true, true, e
	}
	return false, true, e
}

// boolDefault is LookupBooleanWithDefault.
func (v view) boolDefault(group, key string, def bool) bool {
	b, ok, _ := v.boolean(group, key)
	if !ok {
		return def
	}
	return b
}

// all is LookupAll: every value, an empty assignment dropping the earlier ones.
func (v view) all(group, key string) []unitfile.Entry {
	return v.f.LookupAllEntries(group, key)
}

// word is one word of a split value and the entry it comes from.
type word struct {
	Value string
	From  unitfile.Entry
}

// strv is LookupAllStrv: every value split into words (quotes removed,
// backslashes kept).
func (v view) strv(group, key string) []word {
	return v.split(group, key, unitfile.SplitRetainEscape|unitfile.SplitUnquote)
}

// args is LookupAllArgs: every value split like a command line (quotes
// removed, C escapes decoded); a value that does not split is skipped.
func (v view) args(group, key string) []word {
	return v.split(group, key, unitfile.SplitRelax|unitfile.SplitUnquote|unitfile.SplitCUnescape)
}

func (v view) split(group, key string, flags unitfile.SplitFlags) []word {
	var out []word
	for _, e := range v.all(group, key) {
		ws, err := unitfile.SplitWords(e.Value, flags|unitfile.SplitStopAtEmpty)
		if err != nil {
			continue
		}
		for _, w := range ws {
			out = append(out, word{w, e})
		}
	}
	return out
}

// lastArgs is LookupLastArgs: the last value split like a command line.
func (v view) lastArgs(group, key string) ([]word, bool) {
	e, ok := v.f.LookupEntry(group, key)
	if !ok {
		return nil, false
	}
	ws, err := unitfile.SplitWords(e.Value, unitfile.SplitRelax|unitfile.SplitUnquote|unitfile.SplitCUnescape|unitfile.SplitStopAtEmpty)
	if err != nil {
		return nil, false
	}
	out := make([]word, len(ws))
	for i, w := range ws {
		out[i] = word{w, e}
	}
	return out, true
}

// keyVal is LookupAllKeyVal: NAME=VALUE words of every value, the last
// assignment of a name winning, returned sorted by name (the order quadlet
// writes them in).
func (v view) keyVal(group, key string) []word {
	m := map[string]word{}
	for _, w := range v.args(group, key) {
		if k, val, ok := strings.Cut(w.Value, "="); ok {
			m[k] = word{k + "=" + val, w.From}
		}
	}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make([]word, len(names))
	for i, k := range names {
		out[i] = m[k]
	}
	return out
}
