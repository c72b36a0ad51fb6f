package check

import (
	"fmt"
	"sort"
	"strings"

	"github.com/qm-build/qm-build/rootfs/ocihooks"
	"github.com/qm-build/qm-build/rootfs/podman"
)

// deviceFact is one way QM is given host devices.
type deviceFact struct {
	// Host is the host device path (cleaned), a path pattern for hook grants,
	// the CDI name, or the device cgroup rule.
	Host string
	// Kind is "device" (--device or containers.conf devices), "cdi",
	// "cgroup-rule", "hook" (granted by one of QM's OCI hooks for an
	// annotation), or "annotation" (a QM annotation no table row knows).
	Kind  string
	Chain []Link
}

// devices are every device grant of QM's container.
func (v *qmView) devices() []deviceFact {
	var out []deviceFact
	addDevice := func(it value) {
		d, err := podman.ParseDevice(it.Value)
		switch {
		case err != nil:
			return // QM116
		case d.CDI:
			out = append(out, deviceFact{d.Host, "cdi", it.Chain})
		default:
			out = append(out, deviceFact{d.Host, "device", it.Chain})
		}
	}
	if s, ok := v.conf("containers", "devices"); ok {
		for _, it := range confItems(s) {
			addDevice(it)
		}
	}
	for _, it := range v.items("device") {
		addDevice(it)
	}
	for _, it := range v.items("gpus") {
		out = append(out, deviceFact{"GPU " + it.Value, "cdi", it.Chain})
	}
	for _, it := range v.items("device-cgroup-rule") {
		out = append(out, deviceFact{it.Value, "cgroup-rule", it.Chain})
	}
	return append(out, v.hookDevices()...)
}

// annotation is one of QM's annotations.
type annotation struct {
	Key, Value string
	Chain      []Link
}

// annotations are the container's annotations: containers.conf's, then
// --annotation, a later key replacing an earlier one.
func (v *qmView) annotations() map[string]annotation {
	out := map[string]annotation{}
	add := func(it value) {
		k, val, ok := strings.Cut(it.Value, "=")
		if ok {
			out[k] = annotation{k, val, it.Chain}
		}
	}
	if s, ok := v.conf("containers", "annotations"); ok {
		for _, it := range confItems(s) {
			add(it)
		}
	}
	for _, it := range v.items("annotation") {
		add(it)
	}
	return out
}

// hookContainer is what hook conditions see of QM.
func (v *qmView) hookContainer() ocihooks.Container {
	c := ocihooks.Container{Annotations: map[string]string{}}
	for k, a := range v.annotations() {
		c.Annotations[k] = a.Value
	}
	if ex := v.Podman.Exec(); len(ex) > 0 {
		c.Command = v.Podman.Argv[ex[0]]
	}
	for _, m := range v.mounts() {
		if m.Type == "bind" || m.Type == "volume" {
			c.HasBindMounts = true
		}
	}
	return c
}

// matchedHook is a hook that runs for QM.
type matchedHook struct {
	Hook *ocihooks.Hook
	// Annotations are the container's annotations its conditions name.
	Annotations []string
}

// matchedHooks are the hooks podman runs for QM, in podman's order.
func (v *qmView) matchedHooks() []matchedHook {
	c := v.hookContainer()
	var out []matchedHook
	for _, h := range v.Hooks {
		ok, err := h.When.Match(c)
		if err != nil || !ok {
			continue
		}
		out = append(out, matchedHook{h, h.When.MatchedAnnotations(c.Annotations)})
	}
	return out
}

// hookDevices are the devices QM's own device hooks grant for QM's
// annotations (the ocihooks table), and the QM annotations they act on that
// no table row knows.
func (v *qmView) hookDevices() []deviceFact {
	ann := v.annotations()
	seen := map[string]bool{}
	var out []deviceFact
	for _, m := range v.matchedHooks() {
		if !m.Hook.KeyedOnQM() {
			continue
		}
		for _, k := range m.Annotations {
			if seen[k] {
				continue
			}
			seen[k] = true
			a := ann[k]
			chain := append(append([]Link(nil), a.Chain...), Link{Path: m.Hook.File, Note: fmt.Sprintf("hook %s (%s) acts on %s", m.Hook.Name, m.Hook.Program, k)})
			g, known := ocihooks.Lookup(k)
			switch {
			case !known:
				out = append(out, deviceFact{k + "=" + a.Value, "annotation", chain})
			case g.Grants(a.Value):
				for _, p := range g.Devices {
					out = append(out, deviceFact{p, "hook", chain})
				}
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Host < out[j].Host })
	return out
}
