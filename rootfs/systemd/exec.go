package systemd

import (
	"fmt"
	"path"
	"strings"

	"github.com/qm-build/qm-build/rootfs/unitfile"
)

// Command is one command line of an Exec*= setting (systemd.service(5),
// "Command lines").
type Command struct {
	// Entry is the assignment the command comes from.
	Entry unitfile.Entry
	// Prefixes are the special characters before the executable: "-" (failure
	// ignored), "@" (argv[0] given separately), ":" (no environment
	// expansion), "+", "!", "!!" (privileges).
	Prefixes string
	// Path is the executable.
	Path string
	// Argv is the argument vector, argv[0] first, with specifiers resolved and
	// environment variables not yet expanded.
	Argv []string
}

// NoEnvExpansion reports the ":" prefix.
func (c Command) NoEnvExpansion() bool { return strings.Contains(c.Prefixes, ":") }

// execSplit are the flags systemd's config_parse_exec() extracts words with.
const execSplit = unitfile.SplitUnquote | unitfile.SplitCUnescape

// ParseCommands reads the command lines of one Exec*= assignment: words as
// systemd extracts them, ";" as a word separating commands ("\;" is a literal
// semicolon), specifiers resolved for the named unit. An empty value is the
// reset (no commands).
func ParseCommands(e unitfile.Entry, unit string) ([]Command, error) {
	rest := e.Value
	var out []Command
	for {
		first, r, ok, err := unitfile.ExtractWord(rest, execSplit)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.Key, err)
		}
		if !ok {
			return out, nil
		}
		rest = r
		if first == ";" {
			continue
		}
		c := Command{Entry: e}
		for first != "" && strings.ContainsRune("-@:+!", rune(first[0])) {
			c.Prefixes += first[:1]
			first = first[1:]
		}
		if first == "" {
			return nil, fmt.Errorf("%s: empty executable path", e.Key)
		}
		c.Path = Specifiers(first, unit)
		if !strings.Contains(c.Prefixes, "@") {
			c.Argv = append(c.Argv, c.Path)
		}
		for {
			rest = strings.TrimLeft(rest, " \t\n\r")
			if sep, ok := rawWord(rest, ";"); ok {
				rest = sep
				break
			}
			if lit, ok := rawWord(rest, `\;`); ok {
				rest = lit
				c.Argv = append(c.Argv, ";")
				continue
			}
			w, r, ok, err := unitfile.ExtractWord(rest, execSplit)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", e.Key, err)
			}
			rest = r
			if !ok {
				break
			}
			c.Argv = append(c.Argv, Specifiers(w, unit))
		}
		if len(c.Argv) == 0 {
			return nil, fmt.Errorf("%s: '@' without argv[0]", e.Key)
		}
		out = append(out, c)
	}
}

// rawWord reports whether s starts with the unquoted word w, and returns the
// rest after it.
func rawWord(s, w string) (string, bool) {
	if !strings.HasPrefix(s, w) {
		return s, false
	}
	r := s[len(w):]
	if r != "" && !strings.ContainsRune(" \t\n\r", rune(r[0])) {
		return s, false
	}
	return r, true
}

// Specifiers resolves the unit specifiers systemd expands in command lines
// for a system unit (systemd.unit(5), "Specifiers"). Unknown ones are kept.
func Specifiers(s, unit string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	prefix, instance := unitParts(unit)
	values := map[byte]string{
		'n': unit, 'N': strings.TrimSuffix(unit, path.Ext(unit)), 'p': prefix, 'P': prefix,
		'i': instance, 'I': instance, 't': "/run", 'S': "/var/lib", 'C': "/var/cache",
		'L': "/var/log", 'E': "/etc", 'T': "/tmp", 'V': "/var/tmp", 'h': "/root",
		'u': "root", 'U': "0", 'g': "root", 'G': "0", 's': "/bin/sh", '%': "%",
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		if v, ok := values[s[i+1]]; ok {
			b.WriteString(v)
		} else {
			b.WriteString(s[i : i+2])
		}
		i++
	}
	return b.String()
}

// unitParts splits "prefix@instance.type" (instance "" for plain units).
func unitParts(unit string) (prefix, instance string) {
	base := strings.TrimSuffix(unit, path.Ext(unit))
	prefix, instance, _ = strings.Cut(base, "@")
	return prefix, instance
}

// ExpandArgv replaces environment variables in a command line as systemd
// does before it executes it (replace_env_argv()): a word that is exactly
// $NAME becomes the variable's value split into words (none when unset);
// ${NAME} anywhere in a word becomes the value ("" when unset); "$$" is a
// literal "$". Other dollar signs stay.
func ExpandArgv(argv []string, env map[string]string) []string {
	out := make([]string, 0, len(argv))
	for i, w := range argv {
		if i > 0 && len(w) > 1 && w[0] == '$' && validEnvName(w[1:]) {
			words, _ := unitfile.SplitWords(env[w[1:]], unitfile.SplitRelax|unitfile.SplitUnquote)
			out = append(out, words...)
			continue
		}
		out = append(out, expandWord(w, env))
	}
	return out
}

func expandWord(w string, env map[string]string) string {
	if !strings.Contains(w, "$") {
		return w
	}
	var b strings.Builder
	for i := 0; i < len(w); i++ {
		switch {
		case w[i] != '$' || i+1 == len(w):
			b.WriteByte(w[i])
		case w[i+1] == '$':
			b.WriteByte('$')
			i++
		case w[i+1] == '{':
			end := strings.IndexByte(w[i+2:], '}')
			if end < 0 {
				b.WriteString(w[i:])
				return b.String()
			}
			b.WriteString(env[w[i+2:i+2+end]])
			i += 2 + end
		default:
			b.WriteByte(w[i])
		}
	}
	return b.String()
}

// validEnvName is a shell variable name (env_name_is_valid()).
func validEnvName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for _, c := range []byte(s) {
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
