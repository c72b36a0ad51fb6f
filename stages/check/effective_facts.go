package check

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/qm-build/qm-build/rootfs/containersconf"
	"github.com/qm-build/qm-build/rootfs/podman"
	"github.com/qm-build/qm-build/rootfs/unitfile"
)

// facts are values derived from the effective command line, computed once.
type facts struct {
	sec podman.Security
}

func (v *qmView) f() *facts {
	if v.facts == nil {
		v.facts = &facts{sec: podman.ParseSecurity(v.Podman.Items("security-opt"))}
	}
	return v.facts
}

// value is an effective setting and the chain that set it.
type value struct {
	Value string
	Chain []Link
	Set   bool
}

// flag is the last occurrence of a single-valued podman flag.
func (v *qmView) flag(name string) value {
	o, ok := v.Podman.Last(name)
	if !ok {
		return value{}
	}
	return value{o.Value, v.occChain(o), true}
}

// items are the values of a list flag, each with its chain.
func (v *qmView) items(name string) []value {
	var out []value
	for _, it := range v.Podman.Items(name) {
		out = append(out, value{it.Value, v.occChain(it.From), true})
	}
	return out
}

// conf is a containers.conf setting with its chain.
func (v *qmView) conf(table, key string) (containersconf.Setting, bool) {
	if v.Conf == nil {
		return containersconf.Setting{}, false
	}
	return v.Conf.Get(table, key)
}

func confChain(s containersconf.Setting, note string) []Link {
	return []Link{{Path: s.File, Line: s.Line, Note: fmt.Sprintf("[%s] %s%s in the containers.conf podman reads for QM", s.Table, s.Key, note)}}
}

func confItems(s containersconf.Setting) []value {
	var out []value
	for _, it := range s.Items() {
		out = append(out, value{it.Value, []Link{{Path: it.File, Line: it.Line, Note: fmt.Sprintf("[%s] %s = %q in the containers.conf podman reads for QM", s.Table, s.Key, it.Value)}}, true})
	}
	return out
}

// boolSetting is a boolean flag whose default comes from containers.conf.
func (v *qmView) boolSetting(flagName, confKey string) (bool, []Link, bool) {
	if b, o, ok := v.Podman.Bool(flagName); ok {
		return b, v.occChain(o), true
	}
	if s, ok := v.conf("containers", confKey); ok {
		b, _ := s.Value.(bool)
		return b, confChain(s, " = "+strconv.FormatBool(b)), true
	}
	return false, nil, false
}

// privileged is --privileged, or containers.conf's default.
func (v *qmView) privileged() (bool, []Link) {
	b, chain, _ := v.boolSetting("privileged", "privileged")
	return b, chain
}

// namespace is the effective mode of one of QM's namespaces: the flag, else
// containers.conf's default.
func (v *qmView) namespace(flagName, confKey string) value {
	if f := v.flag(flagName); f.Set {
		return f
	}
	if s, ok := v.conf("containers", confKey); ok {
		val, _ := s.Value.(string)
		return value{val, confChain(s, " = "+strconv.Quote(val)), true}
	}
	return value{}
}

// namespaceFlags are QM's namespaces: podman flag and containers.conf key.
var namespaceFlags = [][2]string{{"network", "netns"}, {"pid", "pidns"}, {"ipc", "ipcns"}, {"uts", "utsns"}, {"userns", "userns"}, {"cgroupns", "cgroupns"}}

// hostShared reports whether a namespace mode joins the host's or another
// container's namespace.
func hostShared(mode string) bool {
	m, _, _ := strings.Cut(mode, ":")
	return m == "host" || m == "ns" || m == "container" || m == "pod"
}

// mountFact is one of QM's mounts.
type mountFact struct {
	podman.Mount
	Raw   string
	Via   string
	Chain []Link
}

// mounts are every mount podman gives QM: containers.conf's volumes and
// mounts (unless a mount of QM's command line has the same destination,
// which replaces it, as podman does), then -v, --mount and --tmpfs.
func (v *qmView) mounts() []mountFact {
	add := func(out []mountFact, vals []value, via string, parse func(string) (podman.Mount, error)) []mountFact {
		for _, it := range vals {
			m, err := parse(it.Value)
			if err != nil {
				continue // QM116 reports what podman refuses
			}
			out = append(out, mountFact{m, it.Value, via, it.Chain})
		}
		return out
	}
	var user []mountFact
	user = add(user, v.items("volume"), "-v", podman.ParseVolume)
	user = add(user, v.items("mount"), "--mount", podman.ParseMount)
	user = add(user, v.items("tmpfs"), "--tmpfs", func(s string) (podman.Mount, error) { return podman.ParseTmpfs(s), nil })
	var common []mountFact
	if s, ok := v.conf("containers", "volumes"); ok {
		common = add(common, confItems(s), "containers.conf volumes", podman.ParseVolume)
	}
	if s, ok := v.conf("containers", "mounts"); ok {
		common = add(common, confItems(s), "containers.conf mounts", podman.ParseMount)
	}
	taken := map[string]bool{}
	for _, m := range user {
		taken[m.Destination] = true
	}
	var out []mountFact
	for _, m := range common {
		if !taken[m.Destination] {
			out = append(out, m)
		}
	}
	return append(out, user...)
}

// service is a [Service] setting of qm.service as systemd applies it.
func (v *qmView) service(key string) (unitfile.Entry, bool) {
	return v.Service.LookupEntry("Service", key)
}

// entryChain explains where a qm.service setting comes from.
func (v *qmView) entryChain(e unitfile.Entry) []Link {
	note := e.Key + "=" + clipText(e.Value, 80)
	switch {
	case v.Generated != nil && e.File == v.Generated.Path:
		note += ", written by quadlet"
	case v.Generated != nil && v.Unit.Fragment == v.Generated.Path && !strings.HasPrefix(e.File, "/etc/systemd") &&
		!strings.HasPrefix(e.File, "/usr/lib/systemd") && !strings.HasPrefix(e.File, "/usr/local/lib/systemd") && !strings.HasPrefix(e.File, "/run/systemd"):
		note += ", which quadlet passes into qm.service"
	}
	out := []Link{{Path: e.File, Line: e.Line, Note: note}}
	if v.Generated != nil && e.File != v.Generated.Path && v.Unit.Fragment == v.Generated.Path {
		out = append(out, Link{Path: v.Generated.Path, Note: "qm.service as quadlet generates it, with its drop-ins applied by systemd"})
	}
	return out
}

// serviceMissing is the finding for a qm.service setting that is not set.
func (v *qmView) serviceMissing(key, why string) Finding {
	return chainAt([]Link{{Path: v.Unit.Fragment, Note: "qm.service as systemd loads it, with " + strconv.Itoa(len(v.Unit.Dropins)) + " drop-in(s)"}},
		"%s= is not set in qm.service: %s", key, why)
}

// rootfsPath is QM's root: the --rootfs argument, or the image.
func (v *qmView) rootfsPath() (string, []Link, bool) {
	if p, i, ok := v.Podman.Rootfs(); ok {
		return path.Clean(p), v.argChain(i), true
	}
	if img, i, ok := v.Podman.Image(); ok {
		return img, v.argChain(i), false
	}
	return "", v.execChain(), false
}
