package check

import (
	"path"
	"strings"

	"github.com/qm-build/qm-build/rootfs/quadlet"
	"github.com/qm-build/qm-build/rootfs/systemd"
)

// QM118: configuration for QM sits where it takes effect.
var ruleQM118 = Rule{
	ID: "QM118", Severity: Warning, Group: GroupQuadlet,
	Title: "no configuration for QM sits where it does not take effect (directories quadlet or podman do not read, /run in the image, lines systemd ignores, hooks podman skips)",
	Rationale: "Quadlet (podman 5.4) does not read /usr/lib/containers/systemd, podman does not read " +
		"/usr/share/containers/containers.conf.d, and a booted system mounts an empty /run: settings put there do nothing, " +
		"so a reviewer who reads them is misled about what QM runs. A warning: it weakens no FFI property by itself.",
	FFI: []string{"all"},
	Check: func(c *Context) []Finding {
		return append([]Finding(nil), c.QM().Dead...)
	},
}

// deadDirs are directories whose QM-related files do not take effect, with
// why.
var deadDirs = []struct{ dir, why string }{
	{"/usr/lib/containers/systemd", "quadlet (podman 5.4) does not read /usr/lib/containers/systemd"},
	{quadlet.UnitDirRun, "a booted system mounts an empty /run: quadlet never sees this file"},
	{systemd.DirRun, "a booted system mounts an empty /run: systemd never sees this file"},
	{"/run/systemd/system.control", "a booted system mounts an empty /run: systemd never sees this file"},
	{"/run/systemd/transient", "a booted system mounts an empty /run: systemd never sees this file"},
	{"/run/systemd/generator", "a booted system mounts an empty /run: generators write this directory at boot"},
	{"/usr/share/containers/containers.conf.d", "podman 5.4 does not read /usr/share/containers/containers.conf.d"},
}

// deadConfig finds QM's configuration in the directories of deadDirs.
func (c *Context) deadConfig(v *qmView) {
	fsys := c.imageFS()
	qmNames := map[string]bool{qmUnit: true, qmUnit + ".d": true, "container.d": true, qmService: true, qmService + ".d": true, "service.d": true}
	for _, d := range deadDirs {
		entries, err := fsys.ReadDir(d.dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			p := path.Join(d.dir, e.Name)
			switch {
			case strings.HasSuffix(d.dir, "containers.conf.d") && strings.HasSuffix(e.Name, ".conf"):
				v.Dead = append(v.Dead, at(p, 0, "%s", d.why))
			case !qmNames[e.Name]:
			case e.Dir:
				for _, f := range mustList(fsys, p) {
					v.Dead = append(v.Dead, at(path.Join(p, f), 0, "%s", d.why))
				}
			default:
				v.Dead = append(v.Dead, at(p, 0, "%s", d.why))
			}
		}
	}
	if v.Podman == nil {
		return
	}
	read := map[string]bool{}
	for _, d := range v.hookDirs() {
		read[path.Clean(d)] = true
	}
	for _, d := range []string{"/usr/share/containers/oci/hooks.d", "/etc/containers/oci/hooks.d"} {
		if read[d] {
			continue
		}
		for _, f := range mustList(fsys, d) {
			if strings.HasSuffix(f, ".json") {
				v.Dead = append(v.Dead, at(path.Join(d, f), 0, "podman does not read hooks from %s for QM (hooks directories: %s)", d, joinDirs(v.hookDirs())))
			}
		}
	}
}

func mustList(fsys *imageFS, d string) []string {
	entries, _ := fsys.ReadDir(d)
	var out []string
	for _, e := range entries {
		if !e.Dir {
			out = append(out, e.Name)
		}
	}
	return out
}
