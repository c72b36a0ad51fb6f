package blueprints

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/qm-build/qm-build/rpmspec"
)

// LockVersion is the version of the lock format this package reads and writes.
const LockVersion = 1

// Lock is a package lock: for each pipeline of a manifest, the complete set
// of packages it installs, each with its checksum and where to download it.
// It is what a depsolve produced (DepsolveDNF writes one), so that manifests
// can be made again offline and byte for byte. The format is JSON:
//
//	{
//	  "version": 1,
//	  "distro": "cs9",                  // optional: the target it was made for
//	  "arch": "x86_64",                 // optional
//	  "repos": [{"id": "baseos", "baseurl": "https://…/BaseOS/x86_64/os/",
//	             "check_gpg": true, "gpgkeys": ["-----BEGIN PGP PUBLIC KEY BLOCK-----…"]}],
//	  "pipelines": {
//	    "build": [{"name": "bash", "epoch": 0, "version": "5.1.8", "release": "9.el9",
//	               "arch": "x86_64", "checksum": "sha256:…", "repo": "baseos",
//	               "location": "Packages/bash-5.1.8-9.el9.x86_64.rpm"}],
//	    "os": […], "qm_rootfs": […]
//	  }
//	}
//
// A package's URL is its repo's baseurl joined with its location (the href
// of repodata's primary.xml), unless it gives "url" itself. The checksum is
// the sha256 of the RPM file, as osbuild's curl source verifies it.
type Lock struct {
	Version   int                        `json:"version"`
	Distro    string                     `json:"distro,omitempty"`
	Arch      string                     `json:"arch,omitempty"`
	Repos     []LockRepo                 `json:"repos"`
	Pipelines map[string][]LockedPackage `json:"pipelines"`

	name  string         // file name for errors
	lines map[string]int // "pipeline" or "pipeline\x00index" → line
}

// LockRepo is one repository packages were resolved from.
type LockRepo struct {
	ID       string   `json:"id"`
	BaseURL  string   `json:"baseurl"`
	CheckGPG bool     `json:"check_gpg,omitempty"`
	GPGKeys  []string `json:"gpgkeys,omitempty"`
}

// LockedPackage is one resolved RPM.
type LockedPackage struct {
	Name     string `json:"name"`
	Epoch    uint   `json:"epoch"`
	Version  string `json:"version"`
	Release  string `json:"release"`
	Arch     string `json:"arch"`
	Checksum string `json:"checksum"`
	Repo     string `json:"repo,omitempty"`
	Location string `json:"location,omitempty"`
	URL      string `json:"url,omitempty"`
}

// NEVRA is name-[epoch:]version-release.arch.
func (p LockedPackage) NEVRA() string {
	if p.Epoch != 0 {
		return fmt.Sprintf("%s-%d:%s-%s.%s", p.Name, p.Epoch, p.Version, p.Release, p.Arch)
	}
	return fmt.Sprintf("%s-%s-%s.%s", p.Name, p.Version, p.Release, p.Arch)
}

var sha256Checksum = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^sha256:[0-9a-f]{64}$`) })

// ParseLock reads a lock file strictly: unknown keys, a wrong version and
// malformed entries are errors naming name:line. Every problem is reported.
func ParseLock(r io.Reader, name string) (*Lock, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	l := &Lock{name: name, lines: map[string]int{}, Pipelines: map[string][]LockedPackage{}}
	d := &lockDecoder{data: data, dec: json.NewDecoder(bytes.NewReader(data)), lock: l}
	d.dec.DisallowUnknownFields()
	if err := d.top(); err != nil {
		return nil, d.wrap(err)
	}
	if err := l.validate(); err != nil {
		return nil, err
	}
	return l, nil
}

// lockDecoder walks the JSON token by token so that every package keeps the
// line it starts on.
type lockDecoder struct {
	data []byte
	dec  *json.Decoder
	lock *Lock
}

func (d *lockDecoder) line() int { return lineAt(d.data, d.dec.InputOffset()) }

// lineAt is the 1-based line of a byte offset, skipping the whitespace that
// precedes the next token.
func lineAt(data []byte, off int64) int {
	if off < 0 {
		off = 0
	}
	for off < int64(len(data)) && strings.ContainsRune(" \t\r\n,:", rune(data[off])) {
		off++
	}
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	return 1 + bytes.Count(data[:off], []byte("\n"))
}

func (d *lockDecoder) wrap(err error) error {
	var ie *rpmspec.InputError
	if errors.As(err, &ie) {
		return ie
	}
	line := d.line()
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line = lineAt(d.data, se.Offset-1)
	}
	return &rpmspec.InputError{File: d.lock.name, Line: line, Msg: err.Error()}
}

func (d *lockDecoder) delim(want json.Delim) error {
	tok, err := d.dec.Token()
	if err != nil {
		return err
	}
	if tok != want {
		return fmt.Errorf("want %q, found %v", want, tok)
	}
	return nil
}

func (d *lockDecoder) top() error {
	if err := d.delim('{'); err != nil {
		return err
	}
	for d.dec.More() {
		line := d.line()
		tok, err := d.dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		switch key {
		case "version":
			err = d.dec.Decode(&d.lock.Version)
		case "distro":
			err = d.dec.Decode(&d.lock.Distro)
		case "arch":
			err = d.dec.Decode(&d.lock.Arch)
		case "repos":
			err = d.dec.Decode(&d.lock.Repos)
		case "pipelines":
			err = d.pipelines()
		default:
			return &rpmspec.InputError{File: d.lock.name, Line: line, Field: key, Msg: "unknown key; want version, distro, arch, repos, pipelines"}
		}
		if err != nil {
			return err
		}
	}
	if err := d.delim('}'); err != nil {
		return err
	}
	if _, err := d.dec.Token(); err != io.EOF {
		return errors.New("trailing data after the lock object")
	}
	return nil
}

func (d *lockDecoder) pipelines() error {
	if err := d.delim('{'); err != nil {
		return err
	}
	for d.dec.More() {
		line := d.line()
		tok, err := d.dec.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string)
		if _, dup := d.lock.Pipelines[name]; dup {
			return &rpmspec.InputError{File: d.lock.name, Line: line, Field: "pipelines." + name, Msg: "pipeline listed twice"}
		}
		d.lock.lines[name] = line
		if err := d.delim('['); err != nil {
			return err
		}
		pkgs := []LockedPackage{}
		for d.dec.More() {
			d.lock.lines[fmt.Sprintf("%s\x00%d", name, len(pkgs))] = d.line()
			var p LockedPackage
			if err := d.dec.Decode(&p); err != nil {
				return err
			}
			pkgs = append(pkgs, p)
		}
		if err := d.delim(']'); err != nil {
			return err
		}
		d.lock.Pipelines[name] = pkgs
	}
	return d.delim('}')
}

// Name is the file name the lock was parsed from, for errors.
func (l *Lock) Name() string { return l.name }

// ErrAt builds an error at a package (index ≥ 0) or a pipeline (index < 0).
func (l *Lock) ErrAt(pipeline string, index int, field, format string, args ...any) *rpmspec.InputError {
	line := l.lines[pipeline]
	if index >= 0 {
		line = l.lines[fmt.Sprintf("%s\x00%d", pipeline, index)]
	}
	return &rpmspec.InputError{File: l.name, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// validate checks what a lock must hold on its own; Serialize checks it
// against a manifest.
func (l *Lock) validate() error {
	var errs rpmspec.Errors
	if l.Version != LockVersion {
		errs = append(errs, &rpmspec.InputError{File: l.name, Field: "version", Msg: fmt.Sprintf("lock version %d is not supported (want %d)", l.Version, LockVersion)})
	}
	repos := map[string]bool{}
	for i, r := range l.Repos {
		field := fmt.Sprintf("repos[%d]", i)
		switch {
		case r.ID == "":
			errs = append(errs, &rpmspec.InputError{File: l.name, Field: field, Msg: "repo has no id"})
		case repos[r.ID]:
			errs = append(errs, &rpmspec.InputError{File: l.name, Field: field, Msg: fmt.Sprintf("repo id %q is listed twice", r.ID)})
		}
		repos[r.ID] = true
		if u, err := url.Parse(r.BaseURL); err != nil || u.Scheme == "" {
			errs = append(errs, &rpmspec.InputError{File: l.name, Field: field + ".baseurl", Msg: fmt.Sprintf("%q is not an absolute URL", r.BaseURL)})
		}
	}
	for _, pl := range slices.Sorted(maps.Keys(l.Pipelines)) {
		seen := map[string]bool{}
		for i, p := range l.Pipelines[pl] {
			errs = append(errs, l.checkPackage(pl, i, p, repos, seen)...)
		}
	}
	return errs.Err()
}

func (l *Lock) checkPackage(pl string, i int, p LockedPackage, repos, seen map[string]bool) rpmspec.Errors {
	var errs rpmspec.Errors
	field := fmt.Sprintf("pipelines.%s[%d]", pl, i)
	if p.Name != "" {
		field += " (" + p.Name + ")"
	}
	bad := func(format string, args ...any) {
		errs = append(errs, l.ErrAt(pl, i, field, format, args...))
	}
	if p.Name == "" || p.Version == "" || p.Release == "" || p.Arch == "" {
		bad("name, version, release and arch are required")
	}
	if !sha256Checksum().MatchString(p.Checksum) {
		bad("bad checksum %q: want sha256: and 64 lowercase hex digits", p.Checksum)
	}
	switch {
	case p.URL != "":
		if u, err := url.Parse(p.URL); err != nil || u.Scheme == "" {
			bad("url %q is not an absolute URL", p.URL)
		}
	case p.Repo == "" || p.Location == "":
		bad("give url, or repo and location")
	case !repos[p.Repo]:
		bad("repo %q is not in repos", p.Repo)
	}
	key := p.Name + "." + p.Arch
	if seen[key] {
		bad("%s is listed twice", key)
	}
	seen[key] = true
	return errs
}

// URLOf is where a locked package is downloaded from.
func (l *Lock) URLOf(p LockedPackage) string {
	if p.URL != "" {
		return p.URL
	}
	for _, r := range l.Repos {
		if r.ID == p.Repo {
			return strings.TrimSuffix(r.BaseURL, "/") + "/" + strings.TrimPrefix(p.Location, "/")
		}
	}
	return ""
}

// Encode writes the lock as indented JSON, packages sorted by name and arch,
// so that the same resolution always gives the same bytes.
func (l *Lock) Encode(w io.Writer) error {
	out := *l
	out.Pipelines = map[string][]LockedPackage{}
	for pl, pkgs := range l.Pipelines {
		s := make([]LockedPackage, len(pkgs))
		copy(s, pkgs)
		sort.Slice(s, func(i, j int) bool {
			if s[i].Name != s[j].Name {
				return s[i].Name < s[j].Name
			}
			return s[i].Arch < s[j].Arch
		})
		out.Pipelines[pl] = s
	}
	b, err := json.MarshalIndent(&out, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// Missing is the error for a wanted package the lock does not resolve in a
// pipeline whose packages are list.
func (l *Lock) Missing(pipeline string, w Want, list []LockedPackage) *rpmspec.InputError {
	for _, p := range list {
		if p.Name == w.Name {
			return l.ErrAt(pipeline, -1, "pipelines."+pipeline, "the lock has %s, but the %s pipeline wants %s %s", p.NEVRA(), pipeline, w.Name, w.Version)
		}
	}
	return l.ErrAt(pipeline, -1, "pipelines."+pipeline, "package %q is missing (wanted by the %s pipeline)", w.Name, pipeline)
}
