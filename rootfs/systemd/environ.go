package systemd

import (
	"fmt"
	"strings"

	"github.com/qm-build/qm-build/rootfs/unitfile"
)

// EnvValue is one environment variable of a unit and where it is set.
type EnvValue struct {
	Value string
	// Entry is the Environment= or EnvironmentFile= assignment; for a file,
	// Line is the line in that file and File the file's path.
	Entry unitfile.Entry
}

// Environment is what a unit's commands see from its [Service] section
// (systemd.exec(5)): Environment= assignments in order (an empty one resets
// the list, a later assignment of a name wins), then the EnvironmentFile=
// files, which override them. A "-" before a file name makes a missing file
// acceptable; other unreadable files are problems (systemd would fail the
// start).
func Environment(f *unitfile.File, unit string, fsys FS) (map[string]EnvValue, []Problem) {
	env := map[string]EnvValue{}
	var problems []Problem
	for _, e := range f.LookupAllEntries("Service", "Environment") {
		words, err := unitfile.SplitWords(e.Value, unitfile.SplitUnquote|unitfile.SplitCUnescape|unitfile.SplitRelax)
		if err != nil {
			problems = append(problems, Problem{Path: e.File, Line: e.Line, Err: err, Ignored: true})
			continue
		}
		for _, w := range words {
			w = Specifiers(w, unit)
			k, v, ok := strings.Cut(w, "=")
			if !ok || !validEnvName(k) {
				problems = append(problems, Problem{Path: e.File, Line: e.Line, Err: fmt.Errorf("invalid environment assignment %q, ignoring", w), Ignored: true})
				continue
			}
			env[k] = EnvValue{Value: v, Entry: e}
		}
	}
	for _, e := range f.LookupAllEntries("Service", "EnvironmentFile") {
		p, optional := strings.CutPrefix(e.Value, "-")
		p = Specifiers(p, unit)
		data, err := fsys.ReadFile(p)
		if err != nil {
			if !optional {
				problems = append(problems, Problem{Path: e.File, Line: e.Line, Err: fmt.Errorf("EnvironmentFile=%s: %w", p, err)})
			}
			continue
		}
		for _, kv := range ParseEnvFile(string(data)) {
			env[kv.Name] = EnvValue{Value: kv.Value, Entry: unitfile.Entry{Section: "Service", Key: "EnvironmentFile", Value: kv.Name + "=" + kv.Value, File: p, Line: kv.Line}}
		}
	}
	return env, problems
}

// EnvAssignment is one NAME=VALUE line of an environment file.
type EnvAssignment struct {
	Name, Value string
	Line        int
}

// ParseEnvFile reads an EnvironmentFile= (systemd's parse_env_file()):
// NAME=VALUE lines, '#' and ';' comments, values unquoted (backslash escapes
// the next character; a trailing backslash continues the line), in single
// quotes (literal) or in double quotes (backslash escapes " \ ` $).
// Lines that are not assignments of valid names are skipped.
func ParseEnvFile(s string) []EnvAssignment {
	var out []EnvAssignment
	lines := strings.Split(s, "\n")
	for i := 0; i < len(lines); i++ {
		start := i + 1
		l := strings.TrimSpace(lines[i])
		if l == "" || l[0] == '#' || l[0] == ';' {
			continue
		}
		k, v, ok := strings.Cut(l, "=")
		k = strings.TrimSpace(k)
		if !ok || !validEnvName(k) {
			continue
		}
		v = strings.TrimLeft(v, " \t")
		for strings.HasSuffix(v, `\`) && !strings.HasSuffix(v, `\\`) && i+1 < len(lines) && !strings.ContainsAny(v, `"'`) {
			i++
			v = v[:len(v)-1] + strings.TrimSpace(lines[i])
		}
		out = append(out, EnvAssignment{Name: k, Value: envValue(v), Line: start})
	}
	return out
}

func envValue(v string) string {
	var b strings.Builder
	var quote byte
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case quote == '\'' && c == '\'':
			quote = 0
		case quote == '\'':
			b.WriteByte(c)
		case c == '\\' && i+1 < len(v) && (quote == 0 || strings.IndexByte("\"\\`$", v[i+1]) >= 0):
			i++
			b.WriteByte(v[i])
		case quote == '"' && c == '"':
			quote = 0
		case quote == 0 && (c == '"' || c == '\''):
			quote = c
		case quote == 0 && (c == ' ' || c == '\t'):
			// Unquoted trailing blanks are dropped; inner ones are kept.
			if strings.TrimRight(v[i:], " \t") == "" {
				return b.String()
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
