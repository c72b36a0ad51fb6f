package selinux

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strings"
	"sync"

	"github.com/qm-build/qm-build/rpmspec"
)

// None is the context of a file_contexts line that says "do not label".
const None = "<<none>>"

// Spec is one line of a file_contexts(5) file.
type Spec struct {
	File     string   // the file it came from, as named to the parser
	Line     int      // 1-based
	Regex    string   // the path regex as written
	FileType FileType // the optional file-type field
	Context  string   // a security context, or None

	// hasMeta is libselinux's hasMetaChars: lines without regex
	// metacharacters (exact paths) are tried before every regex.
	hasMeta  bool
	stemText string        // the fixed first path component, "" if none
	stem     int           // index into FileContexts.stems, or -1
	re       compiledRegex // "^" + Regex after the stem + "$"

}

// FileContexts is a parsed file_contexts file (plus any .homedirs or .local
// files appended), ordered for lookup the way libselinux orders it.
type FileContexts struct {
	// Specs are the lines in the order read.
	Specs []Spec
	// Subs and DistSubs are the file_contexts.subs and .subs_dist path
	// substitutions (see Substitution), applied to every looked-up path.
	Subs, DistSubs []Substitution

	stems    []string
	stemIDs  map[string]int
	byStem   [][]int32 // per stem id: candidate spec indices, best first
	noStem   []int32   // candidates for a path with no known stem
	prepared bool
}

// ParseFileContexts reads a file_contexts(5) file. name is used in errors
// (name:line). Every bad line is reported at once: a regex that does not
// compile, an unknown file-type field, a malformed context, a missing or
// extra field, non-ASCII text, and two lines for the same regex and file type
// (libselinux's nodups_specs, which setfiles enforces). Errors are
// rpmspec.Errors (BadInput).
func ParseFileContexts(r io.Reader, name string) (*FileContexts, error) {
	fc := &FileContexts{}
	var errs rpmspec.Errors
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		spec, err := parseSpecLine(sc.Bytes(), name, line)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if spec != nil {
			fc.Specs = append(fc.Specs, *spec)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	errs = append(errs, duplicates(fc.Specs)...)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	fc.prepare()
	return fc, nil
}

// parseSpecLine parses one line; nil, nil for blank and comment lines. The
// field splitting is libselinux's read_spec_entries (label_support.c).
func parseSpecLine(raw []byte, name string, line int) (*Spec, *rpmspec.InputError) {
	bad := func(format string, args ...any) *rpmspec.InputError {
		return &rpmspec.InputError{File: name, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	text := string(bytes.TrimLeft(raw, " \t\n\v\f\r"))
	if text == "" || text[0] == '#' {
		return nil, nil
	}
	for i := 0; i < len(text); i++ {
		if text[i] >= 0x80 {
			return nil, bad("non-ASCII character at column %d", len(raw)-len(text)+i+1)
		}
	}
	fields := strings.FieldsFunc(text, func(r rune) bool { return strings.ContainsRune(" \t\n\v\f\r", r) })
	if len(fields) > 3 && !strings.HasPrefix(fields[3], "#") {
		return nil, bad("unexpected fourth field %q (want: regex [file-type] context)", fields[3])
	}
	if len(fields) < 2 {
		return nil, bad("missing fields: want regex [file-type] context")
	}
	s := &Spec{File: name, Line: line, Regex: fields[0], Context: fields[len(fields)-1]}
	if len(fields) >= 3 {
		s.Context = fields[2]
		ft, ok := parseFileType(fields[1])
		if !ok {
			return nil, bad("unknown file type %q (want one of --, -d, -l, -s, -p, -b, -c)", fields[1])
		}
		s.FileType = ft
	}
	if len(s.Regex) >= 1<<16-1 || len(s.Context) >= 1<<16-1 {
		return nil, bad("field too long")
	}
	if err := CheckContext(s.Context); err != nil {
		return nil, bad("%v", err)
	}
	s.stemText = s.Regex[:stemOfSpec(s.Regex)]
	s.hasMeta = hasMetaChars(s.Regex)
	re, err := compileAnchored(s.Regex[len(s.stemText):])
	if err != nil {
		return nil, bad("bad regex %q: %v", s.Regex, err)
	}
	s.re = re
	return s, nil
}

// The parts of a context's syntax: constants, joined at compile time.
const (
	contextIdent = `[A-Za-z][A-Za-z0-9_.\-]*`
	mlsWord      = `[A-Za-z][A-Za-z0-9_]*`
	mlsCats      = mlsWord + `(\.` + mlsWord + `)?(,` + mlsWord + `(\.` + mlsWord + `)?)*`
	mlsLevel     = mlsWord + `(:` + mlsCats + `)?`
)

var (
	// contextRE is compiled on first use, not at every start.
	contextRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^` + contextIdent + `:` + contextIdent + `:` + contextIdent + `(:` + mlsLevel + `(-` + mlsLevel + `)?)?$`)
	})
)

// CheckContext reports whether ctx is a well-formed file context:
// user:role:type, optionally :level or :low-high with categories
// (s0, s0-s0:c0.c1023), or None.
func CheckContext(ctx string) error {
	if ctx == None || contextRE().MatchString(ctx) {
		return nil
	}
	return fmt.Errorf("malformed context %q (want user:role:type[:range] or %s)", ctx, None)
}

// duplicates reports lines with the same regex whose file types overlap, as
// libselinux's nodups_specs does when validating (setfiles fails on them).
func duplicates(specs []Spec) rpmspec.Errors {
	var errs rpmspec.Errors
	seen := map[string][]int{}
	for i := range specs {
		s := &specs[i]
		for _, j := range seen[s.Regex] {
			p := &specs[j]
			if p.FileType == AnyFile || s.FileType == AnyFile || p.FileType == s.FileType {
				what := "same"
				if p.Context != s.Context {
					what = "different"
				}
				errs = append(errs, &rpmspec.InputError{File: s.File, Line: s.Line,
					Msg: fmt.Sprintf("%s specification for %s as %s:%d (%s and %s)", what, s.Regex, p.File, p.Line, p.Context, s.Context)})
				break
			}
		}
		seen[s.Regex] = append(seen[s.Regex], i)
	}
	return errs
}

// Append adds the lines of more after fc's, as libselinux appends
// file_contexts.homedirs and file_contexts.local to the base file. Lines of
// different files are not checked for duplicates (libselinux checks the base
// file only).
func (fc *FileContexts) Append(more *FileContexts) {
	fc.Specs = append(fc.Specs, more.Specs...)
	fc.prepare()
}

// Lookup returns the context libselinux's selabel_lookup(3) returns for path
// and a file of the given mode: ok is false when no line matches or the
// matching line says <<none>> (selabel_lookup's ENOENT). Pass AnyType when
// the kind of file is unknown.
func (fc *FileContexts) Lookup(path string, mode fs.FileMode) (context string, ok bool) {
	s := fc.Match(path, mode)
	if s == nil || s.Context == None {
		return "", false
	}
	return s.Context, true
}

// Match returns the line that decides path's context, including a <<none>>
// line, or nil when no line matches.
func (fc *FileContexts) Match(path string, mode fs.FileMode) *Spec {
	if !fc.prepared {
		fc.prepare()
	}
	key := cleanKey(path)
	if sub, ok := substitute(fc.Subs, fc.DistSubs, key); ok {
		key = sub
	}
	cands, rest := fc.noStem, key
	if n := stemLen(key); n > 0 {
		if id, ok := fc.stemIDs[key[:n]]; ok {
			cands, rest = fc.byStem[id], key[n:]
		}
	}
	ft := FileTypeOf(mode)
	fullSubject, restSubject := latin1(key), latin1(rest)
	for _, i := range cands {
		s := &fc.Specs[i]
		if ft != AnyFile && s.FileType != AnyFile && s.FileType != ft {
			continue
		}
		subject := fullSubject
		if s.stem >= 0 {
			subject = restSubject
		}
		if s.re.match(subject) {
			return s
		}
	}
	return nil
}

// cleanKey collapses runs of slashes, as lookup_common does.
func cleanKey(p string) string {
	if !strings.Contains(p, "//") {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '/' && i > 0 && p[i-1] == '/' {
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

// stemLen is get_stem_from_file_name: the length of the first path
// component including its leading slash, or 0 when there is no second slash.
func stemLen(p string) int {
	if len(p) < 2 {
		return 0
	}
	i := strings.IndexByte(p[1:], '/')
	if i < 0 {
		return 0
	}
	return i + 1
}
