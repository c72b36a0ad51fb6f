package check

import (
	"fmt"
	"path"
	"strings"

	"github.com/qm-build/qm-build/rootfs/podman"
	"github.com/qm-build/qm-build/rootfs/systemd"
	"github.com/qm-build/qm-build/rootfs/unitfile"
)

// execLine is the command systemd starts for QM, after environment expansion,
// with where each word came from.
type execLine struct {
	// Entry is the ExecStart= assignment in effect.
	Entry unitfile.Entry
	// Generated is true when quadlet wrote it.
	Generated bool
	Command   systemd.Command
	// Argv is the command line podman receives.
	Argv []string
	// word[i] is the index in Command.Argv that Argv[i] comes from, env[i]
	// the variable expanded into it ("" when none).
	word []int
	env  []string
	// from[j] is the quadlet assignment that produced Command.Argv[j] (zero
	// for words quadlet always writes, or for a command line not generated).
	from []unitfile.Entry
}

func (v *qmView) loadExec() {
	entries := v.Service.LookupAllEntries("Service", "ExecStart")
	typ, _ := v.Service.Lookup("Service", "Type")
	switch {
	case len(entries) == 0:
		v.Problems = append(v.Problems, at(v.Unit.Fragment, 0, "qm.service has no ExecStart=: QM does not run"))
		return
	case len(entries) > 1 && typ != "oneshot":
		e := entries[len(entries)-1]
		v.Problems = append(v.Problems, chainAt([]Link{{e.File, e.Line, "adds a second ExecStart= without resetting the first (ExecStart=)"}},
			"qm.service has %d ExecStart= settings: systemd refuses a Type=%s service with more than one, and QM does not run", len(entries), typ))
		return
	}
	e := entries[0]
	cmds, err := systemd.ParseCommands(e, qmService)
	if err != nil || len(cmds) != 1 {
		if err == nil {
			err = fmt.Errorf("%d commands", len(cmds))
		}
		v.Problems = append(v.Problems, at(e.File, e.Line, "systemd cannot use ExecStart=: %v", err))
		return
	}
	x := &execLine{Entry: e, Command: cmds[0]}
	x.Generated = v.Generated != nil && e.File == v.Generated.Path
	x.from = make([]unitfile.Entry, len(x.Command.Argv))
	if x.Generated && len(v.Generated.ExecStart) == len(x.Command.Argv) {
		for i, a := range v.Generated.ExecStart {
			x.from[i] = a.From
		}
	}
	x.expand(v.Env)
	v.Exec = x
	if path.Base(x.Command.Path) != "podman" || len(x.Argv) == 0 {
		v.Problems = append(v.Problems, chainAt(v.execChain(), "qm.service runs %s, not podman: none of QM's container settings apply", x.Command.Path))
		return
	}
	v.Podman = podman.Parse(x.Argv)
	for _, p := range v.Podman.Problems {
		v.Refused = append(v.Refused, chainAt(v.argChain(p.Index), "podman refuses QM's command line: %s", p.Msg))
	}
}

// expand applies systemd's environment expansion word by word, keeping track
// of which word each result comes from.
func (x *execLine) expand(env map[string]systemd.EnvValue) {
	vals := map[string]string{}
	for k, e := range env {
		vals[k] = e.Value
	}
	for j, w := range x.Command.Argv {
		var out []string
		if x.Command.NoEnvExpansion() {
			out = []string{w}
		} else {
			out = systemd.ExpandArgv([]string{"", w}, vals)[1:]
		}
		name := envName(w)
		for _, o := range out {
			x.Argv = append(x.Argv, o)
			x.word = append(x.word, j)
			x.env = append(x.env, name)
		}
	}
}

// envName is the variable a word expands, if it names exactly one.
func envName(w string) string {
	if strings.HasPrefix(w, "${") && strings.HasSuffix(w, "}") {
		return w[2 : len(w)-1]
	}
	if strings.HasPrefix(w, "$") && !strings.ContainsAny(w[1:], "${}/") {
		return w[1:]
	}
	if i := strings.Index(w, "${"); i >= 0 {
		if j := strings.IndexByte(w[i:], '}'); j > 0 {
			return w[i+2 : i+j]
		}
	}
	return ""
}

// execChain is the last link of every command-line chain: the ExecStart=
// systemd runs.
func (v *qmView) execChain() []Link {
	if v.Exec == nil {
		return []Link{{Path: v.Path, Note: "qm.container"}}
	}
	e := v.Exec.Entry
	if v.Exec.Generated {
		return []Link{{Path: e.File, Note: "ExecStart= that quadlet generates from " + v.Path}}
	}
	note := "ExecStart=" + clipText(e.Value, 80)
	if v.Generated != nil && v.Unit.Fragment == v.Generated.Path {
		note += ", which resets the ExecStart= quadlet generates"
	}
	return []Link{{Path: e.File, Line: e.Line, Note: note}}
}

// argChain is the chain of argv word i: the assignment that wrote it, the
// variable it was expanded from, the ExecStart= it is part of.
func (v *qmView) argChain(i int) []Link {
	var out []Link
	x := v.Exec
	if x != nil && i >= 0 && i < len(x.Argv) {
		j := x.word[i]
		if f := x.from[j]; f.File != "" {
			out = append(out, Link{Path: f.File, Line: f.Line, Note: f.Key + "=" + clipText(f.Value, 80)})
		}
		if name := x.env[i]; name != "" {
			if ev, ok := v.Env[name]; ok {
				out = append(out, Link{Path: ev.Entry.File, Line: ev.Entry.Line, Note: fmt.Sprintf("sets %s=%s", name, ev.Value)})
			} else {
				out = append(out, Link{Path: x.Entry.File, Line: x.Entry.Line, Note: "$" + name + " is not set: it expands to nothing"})
			}
		}
	}
	return append(out, v.execChain()...)
}

// occChain is the chain of a flag on the command line.
func (v *qmView) occChain(o podman.Occurrence) []Link {
	if o.ValueIndex != o.Index {
		c := v.argChain(o.ValueIndex)
		if first := v.argChain(o.Index); len(first) > 0 && len(c) > 0 && first[0] != c[0] {
			return append(first[:len(first)-len(v.execChain())], c...)
		}
		return c
	}
	return v.argChain(o.Index)
}

func clipText(s string, n int) string {
	if len(s) > n {
		return s[:n-3] + "..."
	}
	return s
}
