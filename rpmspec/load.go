package rpmspec

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/template"

	"github.com/qm-build/qm-build/rpmspec/input"

	"go.yaml.in/yaml/v3"
)

//go:embed catalog/*.yaml
var builtinFS embed.FS

// Builtin returns the catalog embedded in the binary.
func Builtin() (*Catalog, error) {
	ds, err := builtinDropins()
	if err != nil {
		return nil, err
	}
	return NewCatalog(ds...)
}

// generatedDropins, set by catalog_gen.go, returns the embedded catalog
// compiled to Go values at generate time (catalog_gen_test.go): the drop-ins
// LoadDir parses from catalog/*.yaml, without parsing YAML at run time,
// which cost about a millisecond per process. When the file is absent (a
// merge removed it so that it can be generated anew), the YAML is parsed.
var generatedDropins func() []*Dropin

// builtinDropins makes the embedded catalog once per process: every
// Builtin catalog shares the drop-ins, which nothing changes after
// parsing (a catalog's own state is its index, and AddDir adds to that).
var builtinDropins = sync.OnceValues(func() ([]*Dropin, error) {
	if generatedDropins != nil {
		return generatedDropins(), nil
	}
	sub, err := fs.Sub(builtinFS, "catalog")
	if err != nil {
		return nil, err
	}
	return LoadDir(sub, "catalog")
})

// AddDir loads user drop-ins from fsys (every *.yaml or *.yml file at its top)
// into the catalog and returns their names. label prefixes file names in errors
// (normally the directory as the user gave it).
func (c *Catalog) AddDir(fsys fs.FS, label string) ([]string, error) {
	ds, err := LoadDir(fsys, label)
	if err != nil {
		return nil, err
	}
	if len(ds) == 0 {
		return nil, &InputError{File: label, Field: "--dropin-dir", Msg: "holds no *.yaml drop-in files"}
	}
	if err := c.add(ds); err != nil {
		return nil, err
	}
	names := make([]string, len(ds))
	for i, d := range ds {
		names[i] = d.Name
	}
	return names, nil
}

// LoadDir decodes every *.yaml/*.yml file at the top of fsys as one drop-in.
func LoadDir(fsys fs.FS, label string) ([]*Dropin, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, &InputError{File: label, Msg: fmt.Sprintf("reading drop-in directory: %v", err)}
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && (strings.HasSuffix(e.Name(), ".yaml") || strings.HasSuffix(e.Name(), ".yml")) {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	var out []*Dropin
	var errs Errors
	for _, n := range names {
		data, err := readDropinFile(fsys, n)
		if err != nil {
			errs.add(path.Join(label, n), 0, "", "reading: %v", err)
			continue
		}
		d, err := ParseDropin(data, path.Join(label, n))
		if err != nil {
			errs = append(errs, AsErrors(err)...)
			continue
		}
		out = append(out, d)
	}
	return out, errs.Err()
}

// MaxDropinFile bounds a drop-in's YAML file: the catalog's largest is
// under 10 KiB, so a file past this is a mistake (or /dev/zero), not a
// drop-in.
const MaxDropinFile = 1 << 20

// readDropinFile reads one drop-in file of at most MaxDropinFile bytes. With
// an input.DirFS (what the programs pass) a FIFO or a device in the
// directory is refused at its open instead of blocking.
func readDropinFile(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &input.NotRegularError{Path: name, Mode: fi.Mode()}
	}
	if fi.Size() > MaxDropinFile {
		return nil, &input.TooLargeError{Path: name, Limit: MaxDropinFile}
	}
	return input.ReadAll(context.Background(), f, name, MaxDropinFile)
}

var (
	nameRE = lazyRE(`^[A-Za-z0-9][A-Za-z0-9._+-]*$`)
	// annotationKeyRE is an OCI annotation key as QM's hooks use them:
	// reverse-DNS words (org.containers.qm.device.audio).
	annotationKeyRE = lazyRE(`^[a-z0-9]([a-zA-Z0-9_-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9_-]*[a-zA-Z0-9])?)+$`)
	// unitRE is a systemd unit name this format can enable.
	unitRE  = lazyRE(`^[A-Za-z0-9:_.@-]+\.(service|socket|timer|path|target|mount)$`)
	modeRE  = lazyRE(`^0?[0-7]{3,4}$`)
	ownerRE = lazyRE(`^[a-z_][a-z0-9_-]*$`)
)

// lazyRE returns a regular expression compiled on its first use: the
// expressions of the drop-in format are needed only when a drop-in file is
// parsed (users' drop-ins; the built-in catalog is compiled to Go values).
func lazyRE(expr string) *lazyRegexp { return &lazyRegexp{expr: expr} }

type lazyRegexp struct {
	expr string
	once sync.Once
	re   *regexp.Regexp
}

func (l *lazyRegexp) MatchString(s string) bool {
	l.once.Do(func() { l.re = regexp.MustCompile(l.expr) })
	return l.re.MatchString(s)
}

// ParseDropin decodes one drop-in file strictly: unknown keys, missing fields,
// wrong types, relative paths, '..' components, paths outside
// DropinPathPrefixes and non-octal modes are errors naming the file, line and
// field. Every problem is reported.
func ParseDropin(data []byte, file string) (*Dropin, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line := 0
		if m := regexp.MustCompile(`line (\d+)`).FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
		}
		return nil, &InputError{File: file, Line: line, Msg: "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	p := &parser{file: file}
	if len(doc.Content) == 0 {
		return nil, &InputError{File: file, Msg: "empty drop-in file"}
	}
	d := p.dropin(doc.Content[0])
	if err := p.errs.Err(); err != nil {
		return nil, err
	}
	return d, nil
}

type parser struct {
	file string
	errs Errors
}

func (p *parser) fail(n *yaml.Node, field, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	p.errs.add(p.file, line, field, format, args...)
}

// mapping walks a mapping node: each known key calls its handler once;
// unknown or repeated keys are errors; required keys must be present.
func (p *parser) mapping(n *yaml.Node, field string, required []string, handlers map[string]func(k, v *yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		p.fail(n, field, "want a mapping, got %s", kindName(n))
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		sub := join(field, k.Value)
		h, ok := handlers[k.Value]
		switch {
		case !ok:
			known := make([]string, 0, len(handlers))
			for name := range handlers {
				known = append(known, name)
			}
			sort.Strings(known)
			p.fail(k, sub, "unknown key %q (known: %s)", k.Value, strings.Join(known, ", "))
		case seen[k.Value]:
			p.fail(k, sub, "key %q given twice", k.Value)
		default:
			seen[k.Value] = true
			h(k, v)
		}
	}
	for _, r := range required {
		if !seen[r] {
			p.fail(n, join(field, r), "missing required field %q", r)
		}
	}
}

func join(field, key string) string {
	if field == "" {
		return key
	}
	return field + "." + key
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return "a scalar"
	case yaml.AliasNode:
		return "an alias"
	}
	return "an empty document"
}

func (p *parser) str(n *yaml.Node, field string) string {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.fail(n, field, "want a string, got %s", kindName(n))
		return ""
	}
	// The one text rule (CheckLine, CheckBlock): only the text blocks may
	// have line breaks; no value has a control character.
	check := CheckLine
	if isBlockField(field) {
		check = CheckBlock
	}
	if err := check(n.Value); err != nil {
		p.fail(n, field, "%v", err)
		return ""
	}
	return n.Value
}

// isBlockField reports whether a drop-in field is a text block, which may
// span lines: a description, a note, a file's content or template.
func isBlockField(field string) bool {
	for _, f := range []string{"description", "note", ".content", ".template"} {
		if field == f || strings.HasPrefix(f, ".") && strings.HasSuffix(field, f) {
			return true
		}
	}
	return false
}

func (p *parser) nonEmpty(n *yaml.Node, field string) string {
	before := len(p.errs)
	s := p.str(n, field)
	if len(p.errs) > before {
		return "" // str has said what is wrong
	}
	if n.Kind == yaml.ScalarNode && strings.TrimSpace(s) == "" {
		p.fail(n, field, "must not be empty")
	}
	return s
}

func (p *parser) strs(n *yaml.Node, field string, check func(item *yaml.Node, field, v string)) []string {
	if n.Kind != yaml.SequenceNode {
		p.fail(n, field, "want a list, got %s", kindName(n))
		return nil
	}
	var out []string
	for i, item := range n.Content {
		f := fmt.Sprintf("%s[%d]", field, i)
		v := p.nonEmpty(item, f)
		if check != nil && v != "" {
			check(item, f, v)
		}
		out = append(out, v)
	}
	return out
}

func (p *parser) dropin(n *yaml.Node) *Dropin {
	d := &Dropin{Source: p.file, Line: n.Line, Status: StatusCurrent}
	var enableNode *yaml.Node
	p.mapping(n, "", []string{"name", "summary", "description"}, map[string]func(k, v *yaml.Node){
		"name": func(k, v *yaml.Node) {
			d.Name = p.nonEmpty(v, "name")
			d.Line = k.Line
			if d.Name != "" && !nameRE.MatchString(d.Name) {
				p.fail(v, "name", "%q is not a valid drop-in name (letters, digits, '.', '_', '+', '-')", d.Name)
			}
		},
		"summary": func(_, v *yaml.Node) {
			d.Summary = p.nonEmpty(v, "summary")
			if strings.Contains(d.Summary, "\n") {
				p.fail(v, "summary", "must be one line")
			}
		},
		"description": func(_, v *yaml.Node) { d.Description = strings.TrimSpace(p.nonEmpty(v, "description")) },
		"legacy": func(_, v *yaml.Node) {
			d.Legacy = p.strs(v, "legacy", func(item *yaml.Node, f, s string) {
				if !nameRE.MatchString(s) {
					p.fail(item, f, "%q is not a valid package name", s)
				}
			})
		},
		"needs": func(_, v *yaml.Node) { d.Needs = p.strs(v, "needs", nil) },
		"package": func(_, v *yaml.Node) {
			d.Package = p.nonEmpty(v, "package")
			if d.Package != "" && (!nameRE.MatchString(d.Package) || !strings.HasPrefix(d.Package, "qm-")) {
				p.fail(v, "package", "%q is not a package name starting with qm-", d.Package)
			}
		},
		"version": func(_, v *yaml.Node) {
			d.Version = p.nonEmpty(v, "version")
			if err := ValidateVersion("version", d.Version); d.Version != "" && err != nil {
				p.fail(v, "version", "%s", messageOf(err))
			}
		},
		"status": func(_, v *yaml.Node) {
			d.Status = p.nonEmpty(v, "status")
			if d.Status != "" && d.Status != StatusCurrent && d.Status != StatusLegacy {
				p.fail(v, "status", "unknown status %q (known: current, legacy)", d.Status)
			}
		},
		"note":         func(_, v *yaml.Node) { d.Note = strings.TrimSpace(p.nonEmpty(v, "note")) },
		"annotations":  func(_, v *yaml.Node) { d.Annotations = p.annotations(v) },
		"requires":     func(_, v *yaml.Node) { d.Requires = p.relations(v, "requires") },
		"recommends":   func(_, v *yaml.Node) { d.Recommends = p.relations(v, "recommends") },
		"hook-program": func(_, v *yaml.Node) { d.HookProgram = p.boolean(v, "hook-program") },
		"enable": func(_, v *yaml.Node) {
			d.Enable = p.strs(v, "enable", func(item *yaml.Node, f, s string) {
				if !unitRE.MatchString(s) {
					p.fail(item, f, "%q is not a unit name (name.service, .socket, .timer, .path, .target or .mount)", s)
				}
			})
			enableNode = v
		},
		"devices": func(_, v *yaml.Node) {
			p.mapping(v, "devices", nil, map[string]func(k, v *yaml.Node){
				"qm":     func(_, v *yaml.Node) { d.Devices.QM = p.strs(v, "devices.qm", p.device) },
				"nested": func(_, v *yaml.Node) { d.Devices.Nested = p.strs(v, "devices.nested", p.device) },
			})
		},
		"images": func(_, v *yaml.Node) {
			if v.Kind != yaml.MappingNode {
				p.fail(v, "images", "want a mapping of key: image reference, got %s", kindName(v))
				return
			}
			d.Images = map[string]string{}
			for i := 0; i+1 < len(v.Content); i += 2 {
				key, ref := v.Content[i].Value, p.nonEmpty(v.Content[i+1], "images."+v.Content[i].Value)
				if ref != "" {
					if err := CheckImageRef(ref, false); err != nil {
						p.fail(v.Content[i+1], "images."+key, "image reference %v", err)
					}
				}
				d.Images[key] = ref
			}
		},
		"nested-images": func(_, v *yaml.Node) {
			if v.Kind != yaml.MappingNode {
				p.fail(v, "nested-images", "want a mapping of key: TRANSPORT:PATH[:TAG], got %s", kindName(v))
				return
			}
			for i := 0; i+1 < len(v.Content); i += 2 {
				key := v.Content[i].Value
				if src := p.nonEmpty(v.Content[i+1], "nested-images."+key); src != "" {
					d.NestedImages = append(d.NestedImages, NestedImageDecl{Key: key, Source: src, Line: v.Content[i+1].Line})
				}
			}
		},
		"rootfs-packages": func(_, v *yaml.Node) { d.RootfsPackages = p.strs(v, "rootfs-packages", nil) },
		"files": func(_, v *yaml.Node) {
			if v.Kind != yaml.SequenceNode {
				p.fail(v, "files", "want a list, got %s", kindName(v))
				return
			}
			for i, item := range v.Content {
				if f, ok := p.file1(item, fmt.Sprintf("files[%d]", i)); ok {
					d.Files = append(d.Files, f)
				}
			}
		},
	})
	p.crossCheck(n, d, enableNode)
	return d
}

// crossCheck checks what one key alone cannot: a legacy drop-in says why in
// a note, and every unit it enables is one of its files.
func (p *parser) crossCheck(n *yaml.Node, d *Dropin, enableNode *yaml.Node) {
	switch {
	case d.Status == StatusLegacy && d.Note == "":
		p.fail(n, "note", "a legacy drop-in needs a note saying what replaced it")
	case d.Status != StatusLegacy && d.Note != "":
		p.fail(n, "note", "only a legacy drop-in (status: legacy) takes a note")
	}
	for i, u := range d.Enable {
		if unitRE.MatchString(u) && !declaresUnit(d.Files, u) {
			p.fail(enableNode.Content[i], fmt.Sprintf("enable[%d]", i), "%s is not among the drop-in's files in a unit directory of QM (%s)", u, strings.Join(QMUnitDirs, ", "))
		}
	}
}

// QMUnitDirs are the host paths of QM's systemd unit directories a drop-in
// may put units in: its rootfs's /usr/lib/systemd/system and its
// /etc/systemd/system.
var QMUnitDirs = []string{"/usr/lib/qm/rootfs/usr/lib/systemd/system", "/etc/qm/systemd/system"}

func declaresUnit(files []DropinFile, unit string) bool {
	for _, f := range files {
		for _, dir := range QMUnitDirs {
			if f.Path == dir+"/"+unit && f.Kind == KindFile {
				return true
			}
		}
	}
	return false
}

// annotations decodes a mapping of annotation keys to values.
func (p *parser) annotations(v *yaml.Node) []Annotation {
	if v.Kind != yaml.MappingNode {
		p.fail(v, "annotations", "want a mapping of key: value, got %s", kindName(v))
		return nil
	}
	var out []Annotation
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], v.Content[i+1]
		field := "annotations." + k.Value
		if !annotationKeyRE.MatchString(k.Value) {
			p.fail(k, field, "%q is not an annotation key (dot-separated words, e.g. org.containers.qm.device.audio)", k.Value)
			continue
		}
		s := p.nonEmpty(val, field)
		if strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '"' || r == '\\' }) {
			p.fail(val, field, "%q: a value is one word without quotes or backslashes", s)
			continue
		}
		out = append(out, Annotation{Key: k.Value, Value: s, Line: k.Line})
	}
	return out
}

// relations decodes a list of relations ("systemd", "podman >= 4.5").
func (p *parser) relations(v *yaml.Node, field string) Relations {
	var out Relations
	for i, s := range p.strs(v, field, nil) {
		if s == "" {
			continue
		}
		r, err := ParseRelation(s)
		if err != nil {
			p.fail(v.Content[i], fmt.Sprintf("%s[%d]", field, i), "%s", messageOf(err))
			continue
		}
		out.Add(r)
	}
	return out
}

func (p *parser) boolean(v *yaml.Node, field string) bool {
	if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" {
		p.fail(v, field, "want true or false, got %s", kindName(v))
		return false
	}
	return strings.EqualFold(v.Value, "true")
}

func (p *parser) device(item *yaml.Node, field, v string) {
	if err := CheckPackagePath(v); err != nil {
		p.fail(item, field, "%v", err)
		return
	}
	if !strings.HasPrefix(v, "/dev/") {
		p.fail(item, field, "device %q is not under /dev/", v)
	}
}

func (p *parser) file1(n *yaml.Node, field string) (DropinFile, bool) {
	before := len(p.errs)
	f := DropinFile{Line: n.Line}
	f.Origin = fmt.Sprintf("%s:%d", p.file, n.Line)
	var bodyKeys []string
	var modeNode *yaml.Node
	p.mapping(n, field, []string{"path", "mode"}, map[string]func(k, v *yaml.Node){
		"path": func(_, v *yaml.Node) {
			f.Path = p.nonEmpty(v, field+".path")
			if f.Path == "" {
				return
			}
			if err := CheckPackagePath(f.Path); err != nil {
				p.fail(v, field+".path", "%v", err)
			} else if !AllowedDropinPath(f.Path) {
				p.fail(v, field+".path", "%s is outside the paths a drop-in may own (%s)", f.Path, strings.Join(DropinPathPrefixes, ", "))
			}
		},
		"mode": func(_, v *yaml.Node) {
			modeNode = v
			s := p.str(v, field+".mode")
			if v.Kind != yaml.ScalarNode {
				return
			}
			if !modeRE.MatchString(s) {
				p.fail(v, field+".mode", "%q is not an octal mode such as \"0644\"", s)
				return
			}
			f.Mode, _ = ParseOctalMode(s) // modeRE has checked it
		},
		"owner": func(_, v *yaml.Node) { f.Owner = p.owner(v, field+".owner") },
		"group": func(_, v *yaml.Node) { f.Group = p.owner(v, field+".group") },
		"flags": func(_, v *yaml.Node) {
			for i, s := range p.strs(v, field+".flags", nil) {
				switch s {
				case "config":
					f.Flags |= FlagConfig
				case "noreplace":
					f.Flags |= FlagConfig | FlagNoReplace
				case "ghost":
					f.Flags |= FlagGhost
				case "doc":
					f.Flags |= FlagDoc
				case "dir":
					f.Kind = KindDir
				default:
					p.fail(v.Content[i], fmt.Sprintf("%s.flags[%d]", field, i), "unknown flag %q (known: config, noreplace, ghost, dir, doc)", s)
				}
			}
		},
		"content": func(_, v *yaml.Node) {
			bodyKeys = append(bodyKeys, "content")
			f.Body = []byte(p.str(v, field+".content"))
		},
		"template": func(_, v *yaml.Node) {
			bodyKeys = append(bodyKeys, "template")
			f.Body = []byte(p.nonEmpty(v, field+".template"))
			f.Template = true
			if t, err := template.New("").Funcs(template.FuncMap{"image": func(string) string { return "" }}).Parse(string(f.Body)); err != nil {
				p.fail(v, field+".template", "%v", err)
			} else if err := checkTemplate(t); err != nil {
				p.fail(v, field+".template", "%v", err)
			}
		},
		"symlink": func(_, v *yaml.Node) {
			bodyKeys = append(bodyKeys, "symlink")
			f.Target = p.nonEmpty(v, field+".symlink")
			f.Kind = KindSymlink
		},
	})
	switch {
	case len(bodyKeys) > 1:
		p.fail(n, field, "give only one of content, template and symlink (got %s)", strings.Join(bodyKeys, ", "))
	case f.Kind == KindDir && len(bodyKeys) > 0:
		p.fail(n, field, "a directory (flags: [dir]) takes no %s", bodyKeys[0])
	case f.Kind == KindFile && len(bodyKeys) == 0 && f.Flags&FlagGhost == 0:
		p.fail(n, field, "missing required field: one of content, template or symlink (or flags: [dir])")
	}
	if f.Kind == KindSymlink && modeNode != nil && f.Mode.Perm() != 0o777 {
		p.fail(modeNode, field+".mode", "a symlink's mode must be \"0777\"")
	}
	return f, len(p.errs) == before
}

func (p *parser) owner(v *yaml.Node, field string) string {
	s := p.nonEmpty(v, field)
	if s != "" && !ownerRE.MatchString(s) {
		p.fail(v, field, "%q is not a user or group name", s)
	}
	return s
}
