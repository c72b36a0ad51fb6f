package check

import (
	"encoding/json"
	"path"
	"sort"
	"strings"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/stages/check/target"
)

// declarations are the drop-ins installed in the image, as they declare
// themselves in /usr/share/qm/dropins/<name>.json (rootfs.Declaration).
type declarations struct {
	list     []declared
	problems []Finding
}

type declared struct {
	rootfs.Declaration
	Path string
}

// Declarations reads the installed drop-in declarations, sorted by name.
func (c *Context) Declarations() *declarations {
	if c.decls != nil {
		return c.decls
	}
	d := &declarations{}
	c.decls = d
	entries, err := c.FS.ReadDir(rootfs.DropinDeclarationDir)
	if err != nil {
		return d
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Path, ".json") {
			continue
		}
		data, err := target.ReadFile(c.FS, e.Path)
		if err != nil {
			d.problems = append(d.problems, at(e.Path, 0, "cannot read drop-in declaration: %v", err))
			continue
		}
		var decl rootfs.Declaration
		if err := json.Unmarshal(data, &decl); err != nil || decl.Name == "" {
			d.problems = append(d.problems, at(e.Path, 0, "not a drop-in declaration (want JSON with a name): %v", err))
			continue
		}
		d.list = append(d.list, declared{Declaration: decl, Path: e.Path})
	}
	sort.Slice(d.list, func(i, j int) bool { return d.list[i].Name < d.list[j].Name })
	return d
}

// catalogDevices returns the QM devices the built-in catalog declares for a
// drop-in, and whether the catalog knows it.
func (c *Context) catalogDevices(name string) ([]string, bool) {
	cat := c.catalog()
	if cat == nil {
		return nil, false
	}
	d, ok := cat.Get(name)
	if !ok {
		return nil, false
	}
	return d.Devices.QM, true
}

// catalog is qm-build's built-in drop-in catalog, read once per check (nil
// if it cannot be read, which only a broken build can cause).
func (c *Context) catalog() *rpmspec.Catalog {
	if !c.catalogRead {
		c.catalogRead = true
		c.cat, _ = rpmspec.Builtin()
	}
	return c.cat
}

// declaredDevice reports which installed drop-in declares dev, or "".
func (d *declarations) declaredDevice(dev string) string {
	for _, x := range d.list {
		for _, q := range x.QMDevices {
			if path.Clean(q) == dev {
				return x.Name
			}
		}
	}
	return ""
}
