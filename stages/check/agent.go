package check

import (
	"path"
	"sort"
	"strings"

	"github.com/qm-build/qm-build/rootfs/quadlet"
	"github.com/qm-build/qm-build/rootfs/unitfile"
	"github.com/qm-build/qm-build/stages/check/target"
)

const (
	bluechiHostSocket = quadlet.BlueChiHostSocket
	agentSection      = "bluechi-agent"
)

// agentConf is QM's BlueChi agent configuration as the agent inside QM reads
// it (bluechi-agent.conf(5)): the packaged default in QM's rootfs, then
// /etc/bluechi/agent.conf and agent.conf.d/*.conf, which inside QM are under
// /etc/qm.
type agentConf struct {
	File     *unitfile.File // nil when QM has no agent configuration
	Files    []string
	problems []Finding
}

var (
	agentMain = []string{
		qmRootfs + "/usr/share/bluechi-agent/config/agent.conf",
		qmEtc + "/bluechi/agent.conf",
	}
	agentDropinDir = qmEtc + "/bluechi/agent.conf.d"
)

// Agent reads QM's BlueChi agent configuration.
func (c *Context) Agent() *agentConf {
	if c.agent != nil {
		return c.agent
	}
	a := &agentConf{}
	c.agent = a
	var files []string
	for _, p := range agentMain {
		if target.Exists(c.FS, p) {
			files = append(files, p)
		}
	}
	entries, _ := c.FS.ReadDir(agentDropinDir)
	var drops []string
	for _, e := range entries {
		if strings.HasSuffix(e.Path, ".conf") {
			drops = append(drops, e.Path)
		}
	}
	sort.Slice(drops, func(i, j int) bool { return path.Base(drops[i]) < path.Base(drops[j]) })
	files = append(files, drops...)
	var parsed []*unitfile.File
	for _, p := range files {
		if f := c.parseUnit(p, &a.problems); f != nil {
			parsed = append(parsed, f)
		}
	}
	a.Files = files
	if len(parsed) > 0 {
		a.File = parsed[0]
		for _, f := range parsed[1:] {
			a.File = unitfile.Merge(a.File, f)
		}
	}
	return a
}

// controller is where the agent reaches its controller.
type controller struct {
	Unix  string // socket path, for unix:path=…
	Host  string // TCP host
	Entry unitfile.Entry
}

// Controller reads ControllerAddress= (unix:path=…, tcp:host=…,port=…) or
// ControllerHost=; ok is false when neither is set.
func (a *agentConf) Controller() (controller, bool) {
	if a.File == nil {
		return controller{}, false
	}
	if e, ok := a.File.LookupEntry(agentSection, "ControllerAddress"); ok && e.Value != "" {
		ctl := controller{Entry: e}
		scheme, rest, _ := strings.Cut(e.Value, ":")
		for _, kv := range strings.Split(rest, ",") {
			k, v, _ := strings.Cut(kv, "=")
			switch {
			case scheme == "unix" && k == "path":
				ctl.Unix = v
			case scheme == "tcp" && k == "host":
				ctl.Host = v
			}
		}
		return ctl, true
	}
	if e, ok := a.File.LookupEntry(agentSection, "ControllerHost"); ok && e.Value != "" {
		return controller{Host: e.Value, Entry: e}, true
	}
	return controller{}, false
}

// parseUnit reads and parses one file of unit-file syntax; problems become
// findings of the rule reading it.
func (c *Context) parseUnit(p string, problems *[]Finding) *unitfile.File {
	data, err := target.ReadFile(c.FS, p)
	if err != nil {
		*problems = append(*problems, at(p, 0, "cannot read: %v", err))
		return nil
	}
	f, err := unitfile.ParseBytes(data, p)
	if err != nil {
		*problems = append(*problems, parseProblem(p, err, "skipped"))
		return nil
	}
	return f
}
