package check

import (
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/qm-build/qm-build/rootfs/unitfile"
)

// hostUnit is a systemd unit of the host with its drop-ins merged.
type hostUnit struct {
	Name string
	Path string
	File *unitfile.File
}

// HostUnit finds a host unit the way systemd does: the first file of that
// name in systemdDirs, with <name>.d/*.conf and <type>.d/*.conf drop-ins.
// It returns nil when there is none.
func (c *Context) HostUnit(name string, problems *[]Finding) *hostUnit {
	for _, d := range systemdDirs {
		p := path.Join(d, name)
		e, err := c.FS.Lstat(p)
		if err != nil {
			continue
		}
		if e.Mode&fs.ModeSymlink != 0 && e.Link == "/dev/null" {
			return nil // masked
		}
		f := c.parseUnit(p, problems)
		if f == nil {
			return nil
		}
		typ := strings.TrimPrefix(path.Ext(name), ".")
		drops := c.dropins(systemdDirs, []string{name + ".d", typ + ".d"}, problems)
		return &hostUnit{Name: name, Path: p, File: unitfile.Merge(f, drops...)}
	}
	return nil
}

// HostServices lists the names of the host's service units (templates left
// out), sorted.
func (c *Context) HostServices() []string {
	seen := map[string]bool{}
	for _, d := range systemdDirs {
		entries, err := c.FS.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range entries {
			b := path.Base(e.Path)
			if strings.HasSuffix(b, ".service") && !strings.Contains(b, "@") && (e.Mode.IsRegular() || e.Link != "") {
				seen[b] = true
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
