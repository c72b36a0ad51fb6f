package check

import (
	"path"
	"sort"
	"strings"

	"github.com/qm-build/qm-build/rootfs/unitfile"
	"github.com/qm-build/qm-build/stages/check/target"
)

// quadletDirs are where podman's quadlet generator looks for units, highest
// priority first (podman-systemd.unit(5), "Podman rootful unit search path";
// podman 5.4 reads /run, /etc and /usr/share). A file shadows files of the
// same name in later directories. /usr/lib/containers/systemd is read too:
// upstream QM documents drop-ins there and newer podman releases search it, so
// anything placed there counts.
var quadletDirs = []string{
	"/run/containers/systemd",
	"/etc/containers/systemd",
	"/usr/share/containers/systemd",
	"/usr/lib/containers/systemd",
}

// systemdDirs are systemd's system unit directories, highest priority first
// (systemd.unit(5), "System Unit Search Path"). The generator's output
// (/run/systemd/generator) sits between /run/systemd/system and
// /usr/local/lib/systemd/system: a static qm.service in the first two
// replaces the unit quadlet generates.
var systemdDirs = []string{
	"/etc/systemd/system",
	"/run/systemd/system",
	"/usr/local/lib/systemd/system",
	"/usr/lib/systemd/system",
	"/lib/systemd/system",
}

// qmView is QM's container as quadlet and systemd will see it.
type qmView struct {
	// Path is the qm.container quadlet uses ("" when none).
	Path string
	// Shadowed are other qm.container files it hides.
	Shadowed []string
	// Container is qm.container with its quadlet drop-ins merged: the source
	// of [Container] keys.
	Container *unitfile.File
	// Service adds the systemd drop-ins of qm.service to Container: the
	// source of [Service] and [Unit] keys, which systemd applies.
	Service *unitfile.File
	// StaticService is a qm.service unit file that replaces the generated one.
	StaticService string
	// Problems are files that could not be read or parsed.
	Problems []Finding
	env      map[string]string
}

// QM returns QM's merged quadlet (nil Container when there is none).
func (c *Context) QM() *qmView {
	if c.qm == nil {
		c.qm = c.loadQM()
	}
	return c.qm
}

func (c *Context) loadQM() *qmView {
	v := &qmView{}
	for _, d := range quadletDirs {
		p := path.Join(d, qmUnit)
		if !target.Exists(c.FS, p) {
			continue
		}
		if v.Path == "" {
			v.Path = p
		} else {
			v.Shadowed = append(v.Shadowed, p)
		}
	}
	if v.Path == "" {
		return v
	}
	base := c.parseUnit(v.Path, &v.Problems)
	if base == nil {
		return v
	}
	// Quadlet drop-ins: <unit>.d/ and the per-type container.d/ (podman ≥ 5.0).
	drops := c.dropins(quadletDirs, []string{qmUnit + ".d", "container.d"}, &v.Problems)
	v.Container = unitfile.Merge(base, drops...)
	sdrops := c.dropins(systemdDirs, []string{qmService + ".d", "service.d"}, &v.Problems)
	v.Service = unitfile.Merge(v.Container, sdrops...)
	for _, d := range systemdDirs[:2] {
		if p := path.Join(d, qmService); target.Exists(c.FS, p) {
			v.StaticService = p
			break
		}
	}
	v.env = environment(v.Service)
	return v
}

// parseUnit reads and parses one unit file; problems become findings of the
// rule reading it.
func (c *Context) parseUnit(p string, problems *[]Finding) *unitfile.File {
	data, err := target.ReadFile(c.FS, p)
	if err != nil {
		*problems = append(*problems, at(p, 0, "cannot read: %v", err))
		return nil
	}
	f, err := unitfile.ParseBytes(data, p)
	if err != nil {
		line := 0
		if pe, ok := err.(*unitfile.ParseError); ok {
			line = pe.Line
			err = errorString(pe.Msg)
		}
		*problems = append(*problems, at(p, line, "cannot parse: %v", err))
		return nil
	}
	return f
}

type errorString string

func (e errorString) Error() string { return string(e) }

// dropins collects the *.conf files of the named drop-in directories in dirs,
// in file-name order, a name in an earlier directory hiding the same name in
// later ones (systemd.unit(5), "Drop-in files"; quadlet does the same).
func (c *Context) dropins(dirs, names []string, problems *[]Finding) []*unitfile.File {
	chosen := map[string]string{}
	for _, d := range dirs {
		for _, n := range names {
			entries, err := c.FS.ReadDir(path.Join(d, n))
			if err != nil {
				continue
			}
			for _, e := range entries {
				base := path.Base(e.Path)
				if !strings.HasSuffix(base, ".conf") || e.Mode.IsDir() {
					continue
				}
				if _, ok := chosen[base]; !ok {
					chosen[base] = e.Path
				}
			}
		}
	}
	bases := make([]string, 0, len(chosen))
	for b := range chosen {
		bases = append(bases, b)
	}
	sort.Strings(bases)
	var out []*unitfile.File
	for _, b := range bases {
		if f := c.parseUnit(chosen[b], problems); f != nil {
			out = append(out, f)
		}
	}
	return out
}

// environment collects [Service] Environment= assignments (systemd.exec(5)):
// each value is a space-separated list of VAR=VALUE words, optionally quoted.
func environment(f *unitfile.File) map[string]string {
	env := map[string]string{}
	for _, v := range f.LookupAll("Service", "Environment") {
		for _, w := range splitWords(v) {
			if k, val, ok := strings.Cut(w, "="); ok {
				env[k] = val
			}
		}
	}
	return env
}

// splitWords splits a systemd value into words, honouring double and single
// quotes (systemd.syntax(5), "Quoting").
func splitWords(s string) []string {
	var out []string
	var cur strings.Builder
	var quote rune
	in := false
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote, in = r, true
		case r == ' ' || r == '\t':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		out = append(out, cur.String())
	}
	return out
}

// expand replaces ${VAR} and $VAR by QM's [Service] environment, as systemd
// does in the podman command line quadlet generates.
func (v *qmView) expand(s string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		name, width := "", 0
		if s[i+1] == '{' {
			if j := strings.IndexByte(s[i+2:], '}'); j >= 0 {
				name, width = s[i+2:i+2+j], j+3
			}
		} else {
			j := i + 1
			for j < len(s) && (s[j] == '_' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= '0' && s[j] <= '9') {
				j++
			}
			name, width = s[i+1:j], j-i
		}
		if name == "" {
			b.WriteByte(s[i])
			continue
		}
		b.WriteString(v.env[name])
		i += width - 1
	}
	return b.String()
}

// container looks up a [Container] key (last value wins).
func (v *qmView) container(key string) (unitfile.Entry, bool) {
	return v.Container.LookupEntry("Container", key)
}

// containerAll looks up a [Container] list key.
func (v *qmView) containerAll(key string) []unitfile.Entry {
	return v.Container.LookupAllEntries("Container", key)
}

// service looks up a [Service] key with qm.service drop-ins applied.
func (v *qmView) service(key string) (unitfile.Entry, bool) {
	return v.Service.LookupEntry("Service", key)
}

// missing is the finding for a required key that is not set.
func (v *qmView) missing(section, key, why string) Finding {
	return at(v.Path, 0, "%s= is not set in [%s]: %s", key, section, why)
}

// withQM runs f when QM's quadlet exists and parsed; QM101 reports otherwise.
func (c *Context) withQM(f func(v *qmView) []Finding) []Finding {
	v := c.QM()
	if v.Container == nil {
		return nil
	}
	return f(v)
}
