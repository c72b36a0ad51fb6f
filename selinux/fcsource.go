package selinux

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/qm-build/qm-build/rpmspec"
)

// The paths QM maps into its own root: quadlet Rootfs= and the two Volume=
// lines of qm.container (qm-upstream.md §3). A host file-context line under
// one of them applies inside QM at Inside.
var qmMounts = []struct{ Host, Inside string }{
	{rpmspec.QMRootfs, "/"},
	{rpmspec.QMEtc, "/etc"},
	{rpmspec.QMVar, "/var"},
}

// genContext matches refpolicy's gen_context(user:role:type,level) macro in
// a .fc file (refpolicy support/misc_macros.spt); for an MCS or MLS policy
// it expands to user:role:type:level.
var genContext = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^gen_context\(([^,()]+),([^,()]+)\)$`) })

// fcLine is one line of the qm .fc source.
type fcLine struct {
	Regex    string
	FileType FileType
	Context  string
}

// sourceLines parses the embedded qm.fc, expanding gen_context. It panics on
// a malformed line: qm.fc is part of the program, and the package's tests
// parse it.
func sourceLines() []fcLine {
	var out []fcLine
	for n, raw := range strings.Split(string(mustReadPolicy("qm.fc")), "\n") {
		text := strings.TrimSpace(raw)
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		f := strings.Fields(text)
		l := fcLine{Regex: f[0], Context: f[len(f)-1]}
		if len(f) == 3 {
			ft, ok := parseFileType(f[1])
			if !ok {
				panic(fmt.Sprintf("policy/qm.fc:%d: bad file type %q", n+1, f[1]))
			}
			l.FileType = ft
		}
		m := genContext().FindStringSubmatch(l.Context)
		if len(f) < 2 || len(f) > 3 || m == nil {
			panic(fmt.Sprintf("policy/qm.fc:%d: want regex [file-type] gen_context(ctx,level)", n+1))
		}
		l.Context = m[1] + ":" + m[2]
		out = append(out, l)
	}
	return out
}

func formatLines(header string, lines []fcLine) []byte {
	var b bytes.Buffer
	b.WriteString(header)
	for _, l := range lines {
		b.WriteString(l.Regex)
		if l.FileType != AnyFile {
			b.WriteString("\t" + l.FileType.String())
		}
		b.WriteString("\t" + l.Context + "\n")
	}
	return b.Bytes()
}

// HostFileContexts returns qm's lines of the host's file_contexts(5), as the
// qm module installs them: qm.fc with gen_context expanded for an MCS policy.
func HostFileContexts() []byte {
	return formatLines("# qm module file contexts (written by qm-build from selinux/policy/qm.fc)\n", sourceLines())
}

// ParsedHostFileContexts is HostFileContexts parsed and ordered for lookup,
// once per process. The result is shared between callers (and goroutines):
// they look paths up in it and do not change it.
func ParsedHostFileContexts() (*FileContexts, error) { return parsedHostFileContexts() }

var parsedHostFileContexts = sync.OnceValues(func() (*FileContexts, error) {
	fc, err := ParseFileContexts(bytes.NewReader(HostFileContexts()), "qm.fc")
	if err != nil {
		return nil, err
	}
	fc.prepare() // Match would otherwise order it on first use, a write
	return fc, nil
})

// QMFileContexts returns the file_contexts(5) QM uses inside its own root
// (installed as /usr/share/qm/file_contexts and copied to
// <rootfs>/etc/selinux/targeted/contexts/files/file_contexts). It is derived
// from qm.fc: every line under a QM mount is moved to the path QM sees
// (/usr/lib/qm/rootfs → /, /etc/qm → /etc, /var/qm → /var), and a first
// line gives everything else inside QM the context of the QM root itself, as
// on the host. Lines that only concern the host (/run/ipc on the host side)
// are left out; lines that become identical are written once.
func QMFileContexts() []byte { return bytes.Clone(qmFileContexts()) }

// qmFileContexts derives QMFileContexts once per process: the derivation
// compiles qm.fc's regexes, and a compose asks for it twice.
var qmFileContexts = sync.OnceValue(func() []byte {
	src := sourceLines()
	root := qmMounts[0].Host
	var rootCtx string
	for _, l := range src {
		if fcLineMatches(l, root) {
			rootCtx = l.Context // later lines win, as in libselinux
		}
	}
	out := []fcLine{{Regex: "/.*", Context: rootCtx}}
	seen := map[fcLine]bool{}
	for _, l := range src {
		inside, ok := insideRegex(l.Regex)
		if !ok {
			continue
		}
		l.Regex = inside
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return formatLines("# file contexts inside QM (written by qm-build from selinux/policy/qm.fc)\n", out)
})

// fcLineMatches reports whether l labels the directory p.
func fcLineMatches(l fcLine, p string) bool {
	if l.FileType != AnyFile && l.FileType != Directory {
		return false
	}
	if !strings.HasPrefix(p, plainPrefix(l.Regex)) {
		return false // no need to compile a regex that cannot match
	}
	re, err := compileAnchored(l.Regex)
	return err == nil && re.match(p)
}

// insideRegex maps a host regex under a QM mount to the regex QM sees. The
// host path must be a literal prefix of the regex, followed by the end, a
// '/', or the "(/.*)?" suffix.
func insideRegex(re string) (string, bool) {
	for _, m := range qmMounts {
		if !strings.HasPrefix(re, m.Host) {
			continue
		}
		rest := re[len(m.Host):]
		switch {
		case rest == "":
			return m.Inside, true
		case rest == "(/.*)?" && m.Inside == "/":
			return "/.*", true
		case rest == "(/.*)?":
			return m.Inside + rest, true
		case strings.HasPrefix(rest, "/"):
			return strings.TrimSuffix(m.Inside, "/") + rest, true
		}
	}
	return "", false
}

// plainPrefix is the part of a file-context regex before its first special
// character, less the character a quantifier there makes optional: every
// path the anchored regex matches starts with it. A regex with an
// alternation anywhere has none.
func plainPrefix(re string) string {
	if strings.Contains(re, "|") {
		return ""
	}
	i := strings.IndexAny(re, ".[]()*+?{}^$\\")
	if i < 0 {
		return re
	}
	if strings.IndexByte("*?{", re[i]) >= 0 {
		_, n := utf8.DecodeLastRuneInString(re[:i])
		return re[:i-n]
	}
	return re[:i]
}
