package check

import (
	"github.com/qm-build/qm-build/rootfs/containersconf"
)

// nestedConf is the containers.conf QM's own podman reads: podman's chain
// (rootfs/containersconf) inside QM, where /usr is the rootfs's and /etc is
// /etc/qm.
type nestedConf struct {
	conf     *containersconf.Config
	files    []string
	problems []Finding
}

// Nested reads QM's nested containers.conf.
func (c *Context) Nested() *nestedConf {
	if c.nested != nil {
		return c.nested
	}
	fsys := c.imageFS()
	files, problems := containersconf.Host().Under(qmRootfs, qmEtc).Files(fsys, containersconf.Env{}, nil)
	n := &nestedConf{conf: containersconf.Load(fsys, files), files: files}
	for _, p := range append(problems, n.conf.Problems...) {
		n.problems = append(n.problems, at(p.Path, p.Line, "%s", p.Msg))
	}
	c.nested = n
	return n
}

// where is the file to name when a setting is missing.
func (n *nestedConf) where() string {
	if len(n.files) > 0 {
		return n.files[len(n.files)-1]
	}
	return qmEtc + "/containers/containers.conf"
}
