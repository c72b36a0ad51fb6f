package check

import (
	"errors"
	"path"

	"github.com/qm-build/qm-build/rootfs/containersconf"
	"github.com/qm-build/qm-build/rootfs/ocihooks"
	"github.com/qm-build/qm-build/rootfs/podman"
	"github.com/qm-build/qm-build/rootfs/quadlet"
	"github.com/qm-build/qm-build/rootfs/systemd"
	"github.com/qm-build/qm-build/rootfs/unitfile"
)

// qmView is the effective QM container: what the booted image runs, computed
// the way the booted system computes it (docs/check.md, "The effective
// model"):
//
//  1. quadlet (podman 5.4) finds qm.container and its drop-ins and generates
//     qm.service into /run/systemd/generator;
//  2. systemd loads qm.service from its unit path (a unit file in /etc shadows
//     the generated one) with every drop-in, and expands ExecStart=;
//  3. podman reads that command line, its containers.conf chain and the OCI
//     hooks whose conditions match the container.
//
// Rules judge the facts derived from it (effective_*.go); each fact carries
// the chain of files and lines that produced it.
type qmView struct {
	// Sources are the quadlet files; Path is the qm.container quadlet reads
	// ("" when none), Shadowed the ones it hides.
	Sources  *quadlet.Sources
	Path     string
	Shadowed []string
	// Container is qm.container with its drop-ins merged, as quadlet reads
	// them (nil when it does not parse).
	Container *unitfile.File
	// Generated is quadlet's service (nil when quadlet refuses the unit).
	Generated *quadlet.Generated
	// Unit is qm.service as systemd loads it; Service its merged settings
	// (nil when it does not load).
	Unit    *systemd.Loaded
	Service *unitfile.File
	Env     map[string]systemd.EnvValue
	// Exec is the command systemd starts, Podman that command as podman
	// reads it (nil when it is not a podman run line).
	Exec   *execLine
	Podman *podman.Command
	// Conf is the host's containers.conf as this podman reads it; Hooks the
	// OCI hooks it loads.
	Conf  *containersconf.Config
	Hooks []*ocihooks.Hook

	// Problems stop QM from starting as built (QM101); Refused are what
	// podman refuses (QM116); Dead is configuration that does not take
	// effect (QM118).
	Problems, Refused, Dead []Finding

	facts *facts
}

// QM returns QM's effective container (computed on first use).
func (c *Context) QM() *qmView {
	if c.qm == nil {
		c.qm = c.loadQM()
	}
	return c.qm
}

// withQM runs f when the image runs QM with podman; QM101 reports otherwise.
func (c *Context) withQM(f func(v *qmView) []Finding) []Finding {
	v := c.QM()
	if v.Podman == nil {
		return nil
	}
	return f(v)
}

func (c *Context) loadQM() *qmView {
	v := &qmView{}
	fsys := c.imageFS()
	v.Sources = quadlet.Find(fsys, qmUnit, false)
	v.Path, v.Shadowed = v.Sources.Path, v.Sources.Shadowed
	if v.Path != "" {
		v.loadQuadlet(fsys)
	}
	generated := map[string]*unitfile.File{}
	if v.Generated != nil {
		generated[v.Generated.Path] = v.Generated.Service
	}
	lookup := &systemd.Lookup{FS: fsys, Generated: generated}
	v.Unit = lookup.Load(qmService)
	v.checkUnit()
	if v.Unit.File == nil {
		return v
	}
	v.Service = v.Unit.File
	env, problems := systemd.Environment(v.Service, qmService, fsys)
	v.Env = env
	for _, p := range problems {
		f := at(p.Path, p.Line, "%v", p.Err)
		if p.Ignored {
			v.Dead = append(v.Dead, f)
		} else {
			v.Problems = append(v.Problems, f)
		}
	}
	v.loadExec()
	if v.Podman != nil {
		v.loadHost(c)
	}
	c.deadConfig(v)
	return v
}

// loadQuadlet parses qm.container and its drop-ins as quadlet does (a drop-in
// that does not parse is skipped, a unit that does not parse generates
// nothing) and generates the service.
func (v *qmView) loadQuadlet(fsys *imageFS) {
	data, err := fsys.ReadFile(v.Path)
	if err != nil {
		v.Problems = append(v.Problems, at(v.Path, 0, "cannot read: %v", err))
		return
	}
	base, err := unitfile.ParseQuadlet(data, v.Path)
	if err != nil {
		v.Problems = append(v.Problems, parseProblem(v.Path, err, "quadlet generates no qm.service"))
		return
	}
	var drops []*unitfile.File
	for _, p := range v.Sources.Dropins {
		data, err := fsys.ReadFile(p)
		if err == nil {
			var f *unitfile.File
			if f, err = unitfile.ParseQuadlet(data, p); err == nil {
				drops = append(drops, f)
				continue
			}
		}
		v.Problems = append(v.Problems, parseProblem(p, err, "quadlet skips this drop-in"))
	}
	v.Container = unitfile.Merge(base, drops...)
	g, err := quadlet.Convert(v.Container, qmUnit, v.Path, quadlet.ConvertOptions{})
	if err != nil {
		var ce *quadlet.ConvertError
		if errors.As(err, &ce) && ce.Entry.File != "" {
			v.Problems = append(v.Problems, at(ce.Entry.File, ce.Entry.Line, "quadlet refuses %s and generates no qm.service: %s", qmUnit, ce.Msg))
		} else {
			v.Problems = append(v.Problems, at(v.Path, 0, "quadlet refuses %s and generates no qm.service: %v", qmUnit, err))
		}
		return
	}
	v.Generated = g
}

func parseProblem(p string, err error, consequence string) Finding {
	var pe *unitfile.ParseError
	if errors.As(err, &pe) {
		return at(p, pe.Line, "cannot parse (%s): %s", consequence, pe.Msg)
	}
	return at(p, 0, "cannot read (%s): %v", consequence, err)
}

// checkUnit reports how systemd's qm.service differs from what quadlet
// generates: missing, masked, replaced by a unit file, or failing to load.
func (v *qmView) checkUnit() {
	u := v.Unit
	switch {
	case u.Fragment == "":
		if v.Path == "" {
			v.Problems = append(v.Problems, at(path.Join(quadlet.UnitDirUsr, qmUnit), 0,
				"no %s where quadlet looks (%s) and no qm.service unit: QM does not run", qmUnit, joinDirs(quadlet.UnitDirs()[1:])))
		}
		return
	case u.Masked:
		v.Problems = append(v.Problems, at(u.Fragment, 0, "masks qm.service: QM does not run"))
		return
	case v.Generated == nil || u.Fragment != v.Generated.Path:
		what := "a unit file"
		if v.Generated != nil {
			what = "a unit file that replaces the one quadlet generates from " + v.Path
		}
		v.Problems = append(v.Problems, at(u.Fragment, 0, "qm.service is %s: the checks below judge what it runs", what))
	}
	for _, p := range u.Problems {
		f := at(p.Path, p.Line, "%v", p.Err)
		if p.Ignored {
			v.Dead = append(v.Dead, f)
		} else {
			v.Problems = append(v.Problems, at(p.Path, p.Line, "%v: systemd cannot load qm.service", p.Err))
		}
	}
}

// loadHost reads the host-wide podman configuration this command line uses:
// the containers.conf chain and the OCI hooks.
func (v *qmView) loadHost(c *Context) {
	fsys := c.imageFS()
	env := containersconf.Env{Conf: v.Env["CONTAINERS_CONF"].Value, Override: v.Env["CONTAINERS_CONF_OVERRIDE"].Value}
	var modules []string
	for _, it := range v.Podman.Items("module") {
		modules = append(modules, it.Value)
	}
	files, problems := containersconf.Host().Files(fsys, env, modules)
	v.Conf = containersconf.Load(fsys, files)
	for _, p := range append(problems, v.Conf.Problems...) {
		v.Refused = append(v.Refused, at(p.Path, p.Line, "%s", p.Msg))
	}
	hooks, hp := ocihooks.Load(fsys, v.hookDirs())
	v.Hooks = hooks
	for _, p := range hp {
		if p.Fatal {
			v.Refused = append(v.Refused, at(p.File, 0, "podman refuses this hook (%v): it creates no container, QM included", p.Err))
		} else {
			v.Dead = append(v.Dead, at(p.File, 0, "podman skips this hook: %v", p.Err))
		}
	}
}

// hookDirs are the directories podman reads hooks from: --hooks-dir, else
// containers.conf's hooks_dir, else the default; an empty list means the
// default and /etc/containers/oci/hooks.d.
func (v *qmView) hookDirs() []string {
	var dirs []string
	if items := v.Podman.Items("hooks-dir"); len(items) > 0 {
		for _, it := range items {
			dirs = append(dirs, it.Value)
		}
		return dirs
	}
	if s, ok := v.Conf.Get("engine", "hooks_dir"); ok {
		for _, it := range s.Items() {
			dirs = append(dirs, it.Value)
		}
		if len(dirs) == 0 {
			return []string{ocihooks.DefaultDir, "/etc/containers/oci/hooks.d"}
		}
		return dirs
	}
	return []string{ocihooks.DefaultDir}
}

func joinDirs(ds []string) string {
	s := ""
	for i, d := range ds {
		if i > 0 {
			s += ", "
		}
		s += d
	}
	return s
}

// missing is the finding for a setting QM's command line lacks.
func (v *qmView) missing(what, why string) Finding {
	return chainAt(v.execChain(), "%s: %s", what, why)
}
