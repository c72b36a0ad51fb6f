package kargs

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/qm-build/qm-build/rootfs/imagefs"
)

// Arg is one kernel parameter.
type Arg struct {
	Key, Value string
	HasValue   bool
}

// Parse splits a kernel command line.
func Parse(cmdline string) []Arg {
	var out []Arg
	var word strings.Builder
	quoted, inWord := false, false
	flush := func() {
		if inWord {
			k, v, has := strings.Cut(word.String(), "=")
			out = append(out, Arg{Key: k, Value: v, HasValue: has})
		}
		word.Reset()
		inWord = false
	}
	for _, r := range cmdline {
		switch {
		case r == '"':
			quoted = !quoted
			inWord = true
		case !quoted && (r == ' ' || r == '\t' || r == '\n' || r == '\r'):
			flush()
		default:
			word.WriteRune(r)
			inWord = true
		}
	}
	flush()
	return out
}

// Last returns the last value of a key; ok is false when it is absent.
func Last(args []Arg, key string) (Arg, bool) {
	for i := len(args) - 1; i >= 0; i-- {
		if args[i].Key == key {
			return args[i], true
		}
	}
	return Arg{}, false
}

// Source is one place that sets kernel parameters.
type Source struct {
	Path string
	Line int
	// What names the setting ("options", "GRUB_CMDLINE_LINUX", "kargs").
	What string
	Args []Arg
}

// Problem is a file that could not be read as what it should be.
type Problem struct {
	Path string
	Line int
	Msg  string
}

// Sources finds every place of the image that sets kernel parameters. arch
// is the image's architecture (x86_64, aarch64) for bootc's
// match-architectures.
func Sources(fsys imagefs.FS, arch string) ([]Source, []Problem) {
	var out []Source
	var problems []Problem
	for _, p := range []string{"/etc/kernel/cmdline", "/usr/lib/kernel/cmdline"} {
		if data, err := fsys.ReadFile(p); err == nil {
			out = append(out, Source{Path: p, Line: 1, What: "cmdline", Args: Parse(string(data))})
			break
		}
	}
	for _, f := range files(fsys, "/usr/lib/bootc/kargs.d", ".toml") {
		s, err := bootc(fsys, f, arch)
		if err != nil {
			problems = append(problems, Problem{Path: f, Msg: err.Error()})
			continue
		}
		if s != nil {
			out = append(out, *s)
		}
	}
	if data, err := fsys.ReadFile("/etc/default/grub"); err == nil {
		out = append(out, grub(string(data))...)
	}
	for _, d := range []string{"/boot/loader/entries", "/efi/loader/entries", "/boot/efi/loader/entries"} {
		for _, f := range files(fsys, d, ".conf") {
			data, err := fsys.ReadFile(f)
			if err != nil {
				continue
			}
			if s := blsEntry(f, string(data)); s != nil {
				out = append(out, *s)
			}
		}
	}
	return out, problems
}

func files(fsys imagefs.FS, dir, ext string) []string {
	entries, err := fsys.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if !e.Dir && strings.HasSuffix(e.Name, ext) {
			out = append(out, path.Join(dir, e.Name))
		}
	}
	sort.Strings(out)
	return out
}

// bootc reads one kargs.d file; nil when its architectures exclude arch.
func bootc(fsys imagefs.FS, p, arch string) (*Source, error) {
	data, err := fsys.ReadFile(p)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Kargs  []string `toml:"kargs"`
		Arches []string `toml:"match-architectures"`
	}
	md, err := toml.Decode(string(data), &doc)
	if err != nil {
		first, _, _ := strings.Cut(err.Error(), "\n")
		return nil, fmt.Errorf("not a bootc kargs file: %s", first)
	}
	if undecoded := md.Undecoded(); len(undecoded) > 0 {
		return nil, fmt.Errorf("not a bootc kargs file: unknown key %s", undecoded[0])
	}
	if len(doc.Arches) > 0 && arch != "" && !contains(doc.Arches, arch) {
		return nil, nil
	}
	s := &Source{Path: p, Line: lineOf(string(data), "kargs"), What: "kargs"}
	for _, k := range doc.Kargs {
		s.Args = append(s.Args, Parse(k)...)
	}
	return s, nil
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func lineOf(text, key string) int {
	for i, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), key) {
			return i + 1
		}
	}
	return 0
}

// grub reads the command-line variables of /etc/default/grub, a shell
// fragment: NAME=value with single or double quotes, $NAME and ${NAME}
// expanded from earlier assignments.
func grub(text string) []Source {
	vars := map[string]string{}
	lines := map[string]int{}
	for i, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "export "))
		name, val, ok := strings.Cut(l, "=")
		if !ok || strings.HasPrefix(l, "#") || strings.ContainsAny(name, " \t$") {
			continue
		}
		vars[name] = shellValue(val, vars)
		lines[name] = i + 1
	}
	var out []Source
	for _, n := range []string{"GRUB_CMDLINE_LINUX", "GRUB_CMDLINE_LINUX_DEFAULT"} {
		if v, ok := vars[n]; ok {
			out = append(out, Source{Path: "/etc/default/grub", Line: lines[n], What: n, Args: Parse(v)})
		}
	}
	return out
}

// shellValue evaluates the right side of a shell assignment (the subset
// /etc/default/grub uses).
func shellValue(v string, vars map[string]string) string {
	var b strings.Builder
	var quote byte
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case quote == '\'' && c == '\'':
			quote = 0
		case quote == '\'':
			b.WriteByte(c)
		case c == '\\' && i+1 < len(v):
			i++
			b.WriteByte(v[i])
		case c == '"':
			if quote == '"' {
				quote = 0
			} else {
				quote = '"'
			}
		case c == '\'' && quote == 0:
			quote = '\''
		case c == '$':
			name, n := varName(v[i+1:])
			b.WriteString(vars[name])
			i += n
		case quote == 0 && (c == ' ' || c == '\t' || c == '#'):
			return b.String()
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// varName reads $NAME or ${NAME} after the dollar sign; n is how many bytes.
func varName(s string) (string, int) {
	if strings.HasPrefix(s, "{") {
		if end := strings.IndexByte(s, '}'); end > 0 {
			return s[1:end], end + 1
		}
		return "", 0
	}
	n := 0
	for n < len(s) && (s[n] == '_' || s[n] >= 'A' && s[n] <= 'Z' || s[n] >= 'a' && s[n] <= 'z' || n > 0 && s[n] >= '0' && s[n] <= '9') {
		n++
	}
	return s[:n], n
}

// blsEntry reads the "options" lines of a boot entry (the Boot Loader
// Specification joins several with spaces).
func blsEntry(p, text string) *Source {
	var s *Source
	for i, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		key, val := l, ""
		if i := strings.IndexAny(l, " \t"); i >= 0 {
			key, val = l[:i], l[i+1:]
		}
		if key != "options" {
			continue
		}
		if s == nil {
			s = &Source{Path: p, Line: i + 1, What: "options"}
		}
		s.Args = append(s.Args, Parse(val)...)
	}
	return s
}

// SELinux is what the parameters say about SELinux: "disabled" (selinux=0,
// or security=/lsm= leaving SELinux out), "permissive" (enforcing=0),
// "enforcing" (enforcing=1), or "" when they say nothing. by is the
// parameter that decides.
func SELinux(args []Arg) (mode string, by Arg) {
	if a, ok := Last(args, "selinux"); ok && a.Value == "0" {
		return "disabled", a
	}
	if a, ok := Last(args, "security"); ok && a.HasValue && a.Value != "selinux" {
		return "disabled", a
	}
	if a, ok := Last(args, "lsm"); ok && !contains(strings.Split(a.Value, ","), "selinux") {
		return "disabled", a
	}
	if a, ok := Last(args, "enforcing"); ok {
		if a.Value == "0" {
			return "permissive", a
		}
		return "enforcing", a
	}
	return "", Arg{}
}
