package check

import (
	"sort"
	"strings"

	"github.com/qm-build/qm-build/rootfs/systemd"
	"github.com/qm-build/qm-build/rootfs/unitfile"
)

// hostUnit is a systemd unit of the host with its drop-ins merged.
type hostUnit struct {
	Name string
	Path string
	File *unitfile.File
}

// HostUnit loads a host unit the way systemd does (rootfs/systemd): the
// first file of that name on the unit path, with every drop-in. It returns
// nil when there is none, it is masked or it does not load.
func (c *Context) HostUnit(name string, problems *[]Finding) *hostUnit {
	l := &systemd.Lookup{FS: c.imageFS()}
	ld := l.Load(name)
	for _, p := range ld.Problems {
		if !p.Ignored {
			*problems = append(*problems, at(p.Path, p.Line, "%v", p.Err))
		}
	}
	if ld.File == nil {
		return nil
	}
	return &hostUnit{Name: name, Path: ld.Fragment, File: ld.File}
}

// HostServices lists the names of the host's service units (templates left
// out), sorted.
func (c *Context) HostServices() []string {
	seen := map[string]bool{}
	fsys := c.imageFS()
	for _, d := range systemd.SystemPath() {
		if strings.HasPrefix(d, "/run/") {
			continue
		}
		entries, err := fsys.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if strings.HasSuffix(e.Name, ".service") && !strings.Contains(e.Name, "@") && (e.Regular || e.Link != "") {
				seen[e.Name] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
