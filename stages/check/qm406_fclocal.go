package check

import (
	"bytes"
	"io/fs"
	"path"
	"sync"

	"github.com/qm-build/qm-build/selinux"
	"github.com/qm-build/qm-build/stages/check/target"
)

// relabelProbes are paths of QM's trees whose labels local file-context
// changes must leave as qm.fc says.
// They are joined on first use, not at every start of qm-build.
var relabelProbes = sync.OnceValue(func() []string {
	return append(append([]string(nil), labelProbes...),
		qmVar+"/tmp", qmEtc+"/containers", qmEtc+"/systemd", qmRootfs+"/usr/bin", qmRootfs+"/etc")
})

// QM406: local file-context changes do not relabel QM's trees.
var ruleQM406 = Rule{
	ID: "QM406", Severity: Error, Group: GroupSELinux,
	Title: "file_contexts.local and file_contexts.subs(_dist) leave QM's trees labelled as qm.fc says",
	Rationale: "semanage fcontext rules (file_contexts.local) and path equivalences (file_contexts.subs) take precedence when the " +
		"image is labelled and whenever restorecon runs: one that gives /var/qm or /etc/qm a host type, or makes them " +
		"equivalent to a host path, hands QM host types or host files QM's type ('selinux', 'not visible', 'unit files' FFI tests).",
	FFI: []string{"selinux", "not visible", "unit files"},
	Check: func(c *Context) []Finding {
		want, bad := ownFileContexts()
		if bad != nil {
			return bad
		}
		dir := path.Join("/etc/selinux", c.selinuxType(), "contexts/files")
		var out []Finding
		subs, dist := c.subsFile(path.Join(dir, "file_contexts.subs"), &out), c.subsFile(path.Join(dir, "file_contexts.subs_dist"), &out)
		base, _ := c.fcFile(path.Join(dir, "file_contexts"), nil)
		for _, local := range []string{path.Join(dir, "file_contexts.local"), path.Join("/var/lib/selinux", c.selinuxType(), "active/file_contexts.local")} {
			fc, ok := c.fcFile(local, &out)
			if !ok {
				continue
			}
			combined := &selinux.FileContexts{}
			if base != nil {
				combined.Append(base)
			}
			combined.Append(fc)
			for _, p := range relabelProbes() {
				exp, ok := want.Lookup(p, fs.ModeDir)
				if !ok {
					continue
				}
				if s := combined.Match(p, fs.ModeDir); s != nil && s.File == local && contextType(s.Context) != contextType(exp) {
					out = append(out, at(s.File, s.Line, "labels %s as %s: qm.fc wants %s", p, contextType(s.Context), contextType(exp)))
				}
			}
		}
		for _, p := range relabelProbes() {
			sub, used := selinux.Substitute(subs, dist, p)
			if len(used) == 0 {
				continue
			}
			exp, ok1 := want.Lookup(p, fs.ModeDir)
			got, ok2 := want.Lookup(sub, fs.ModeDir)
			if ok1 && (!ok2 || contextType(got) != contextType(exp)) {
				u := used[0]
				out = append(out, at(u.File, u.Line, "makes %s equivalent to %s (%s %s): it is labelled as %s, not %s", p, sub, u.Src, u.Dst, sub, contextType(exp)))
			}
		}
		return out
	},
}

// selinuxType is SELINUXTYPE= of the image ("targeted" by default).
func (c *Context) selinuxType() string {
	if data, err := target.ReadFile(c.FS, "/etc/selinux/config"); err == nil {
		return selinux.ParseConfig(data).Type
	}
	return "targeted"
}

// fcFile parses a file_contexts file of the image; problems are reported
// when out is given.
func (c *Context) fcFile(p string, out *[]Finding) (*selinux.FileContexts, bool) {
	data, err := target.ReadFile(c.FS, p)
	if err != nil {
		return nil, false
	}
	fc, err := selinux.ParseFileContexts(bytes.NewReader(data), p)
	if err != nil {
		if out != nil {
			*out = append(*out, at(p, 0, "libselinux cannot load it, so labelling fails: %v", firstLine(err.Error())))
		}
		return nil, false
	}
	return fc, true
}

func (c *Context) subsFile(p string, out *[]Finding) []selinux.Substitution {
	data, err := target.ReadFile(c.FS, p)
	if err != nil {
		return nil
	}
	s, err := selinux.ParseSubstitutions(bytes.NewReader(data), p)
	if err != nil {
		*out = append(*out, at(p, 0, "%v", err))
	}
	return s
}
