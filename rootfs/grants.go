package rootfs

import (
	"fmt"
	"path"
	"strings"

	"github.com/qm-build/qm-build/rootfs/quadlet"
	"github.com/qm-build/qm-build/rootfs/unitfile"
	"github.com/qm-build/qm-build/rpmspec"
)

// checkGrants checks that the QM container, as quadlet merges qm.container
// and its drop-ins (the packages' and the build options'), grants nothing
// twice: no device (the same node, or a node and a directory holding it), no
// annotation key, no volume destination and no capability (including one
// that AddCapability=all already gives). Podman would repeat the flag, or
// refuse two mounts on one destination; either way the composition is wrong,
// and each finding names both files and where they came from.
func checkGrants(c *Content) error {
	base, dropins, err := c.QuadletUnits()
	if err != nil {
		return err
	}
	origins := fileOrigins(c)
	merged := unitfile.Merge(base, dropins...)
	var errs rpmspec.Errors
	type grant struct {
		what string // the thing granted, compared
		e    unitfile.Entry
	}
	report := func(key string, a, b grant, why string) {
		errs = append(errs, &rpmspec.InputError{File: b.e.File, Line: b.e.Line, Field: key,
			Msg: fmt.Sprintf("%s=%s (%s) %s, which %s=%s (%s at %s) grants already; remove one",
				key, b.e.Value, origins[b.e.File], why, key, a.e.Value, origins[a.e.File], a.e.Pos())})
	}
	var devices, annotations, volumes, caps []grant
	for _, e := range merged.LookupAllEntries(quadlet.GroupContainer, quadlet.KeyAddDevice) {
		g := grant{deviceHost(e.Value), e}
		for _, prev := range devices {
			if prev.what == g.what || strings.HasPrefix(g.what, prev.what+"/") || strings.HasPrefix(prev.what, g.what+"/") {
				report(quadlet.KeyAddDevice, prev, g, "grants "+g.what)
			}
		}
		devices = append(devices, g)
	}
	for _, e := range merged.LookupAllEntries(quadlet.GroupContainer, quadlet.KeyAnnotation) {
		k, _, _ := strings.Cut(e.Value, "=")
		g := grant{k, e}
		for _, prev := range annotations {
			if prev.what == g.what {
				report(quadlet.KeyAnnotation, prev, g, "sets "+k)
			}
		}
		annotations = append(annotations, g)
	}
	for _, e := range merged.LookupAllEntries(quadlet.GroupContainer, quadlet.KeyVolume) {
		g := grant{volumeDest(e.Value), e}
		for _, prev := range volumes {
			if prev.what == g.what {
				report(quadlet.KeyVolume, prev, g, "mounts on "+g.what)
			}
		}
		volumes = append(volumes, g)
	}
	for _, e := range merged.LookupAllEntries(quadlet.GroupContainer, quadlet.KeyAddCapability) {
		for _, c := range strings.Fields(e.Value) {
			g := grant{strings.TrimPrefix(strings.ToLower(c), "cap_"), e}
			for _, prev := range caps {
				if prev.what == g.what || prev.what == "all" || g.what == "all" {
					report(quadlet.KeyAddCapability, prev, g, "adds "+g.what)
				}
			}
			caps = append(caps, g)
		}
	}
	return errs.Err()
}

// extraDevices are the --device devices QM does not get otherwise: one that
// qm.container or a selected drop-in already adds is left out of the options
// drop-in, with a note, rather than granted twice. (A device inside a
// directory another grant adds, or the reverse, is still refused by
// checkGrants: which of the two the user meant is not for qm-build to guess.)
func extraDevices(p *Plan) (keep, notes []string) {
	have := map[string]string{}
	for _, d := range quadlet.QM("").AddDevice {
		have[deviceHost(d)] = "qm.container"
	}
	for _, d := range p.Dropins {
		for _, dev := range d.Devices.QM {
			have[path.Clean(dev)] = d.PackageName()
		}
	}
	for _, dev := range p.Devices {
		if by, ok := have[deviceHost(dev)]; ok {
			notes = append(notes, fmt.Sprintf("--device %s: QM has it already (%s); not added twice", dev, by))
			continue
		}
		keep = append(keep, dev)
	}
	return keep, notes
}

// deviceHost is the host node of an AddDevice= value ("-/dev/kvm",
// "/dev/a:/dev/b:rwm").
func deviceHost(v string) string {
	host, _, _ := strings.Cut(strings.TrimPrefix(v, "-"), ":")
	return path.Clean(host)
}

// volumeDest is the container side of a Volume= value
// (HOST:CONTAINER[:OPTIONS], or a bare CONTAINER path for an anonymous one).
func volumeDest(v string) string {
	parts := strings.SplitN(v, ":", 3)
	if len(parts) == 1 {
		return path.Clean(parts[0])
	}
	return path.Clean(parts[1])
}

// fileOrigins says where each file of the content comes from: a package and
// its declaration, or a build stage.
func fileOrigins(c *Content) map[string]string {
	out := map[string]string{}
	for _, p := range c.Packages {
		for _, f := range p.Files {
			out[f.Path] = "from " + p.Name + ", " + orGenerated(f.Origin)
		}
	}
	for _, tf := range c.Tree {
		switch tf.Stage {
		case StageQuadletDropins:
			out[tf.Path] = "from the build options (--device, --volume, ...)"
		case StageBlueChi:
			out[tf.Path] = "from --controller-socket"
		default:
			out[tf.Path] = "from the " + tf.Stage + " stage"
		}
	}
	return out
}

func orGenerated(origin string) string {
	if origin == "" {
		return "generated"
	}
	return origin
}

// checkNestedImages checks the Image= of every nested quadlet the packages
// install: a registry image named in full (rpmspec.CheckImageRef), or another
// quadlet unit (name.image, name.build), unless short names are allowed. A
// drop-in that writes an image into a template instead of declaring it under
// images: is caught here.
func checkNestedImages(p *Plan, pkgs []*rpmspec.Package) error {
	var errs rpmspec.Errors
	for _, pkg := range pkgs {
		for _, f := range pkg.Files {
			if f.Kind != rpmspec.KindFile || path.Dir(f.Path) != NestedQuadletDir {
				continue
			}
			group := ""
			switch path.Ext(f.Path) {
			case ".container":
				group = quadlet.GroupContainer
			case ".image":
				group = "Image"
			default:
				continue
			}
			u, err := unitfile.ParseBytes(f.Body, f.Path)
			if err != nil {
				errs = append(errs, &rpmspec.InputError{File: orGenerated(f.Origin), Field: f.Path, Msg: err.Error()})
				continue
			}
			for _, e := range u.LookupAllEntries(group, quadlet.KeyImage) {
				if rpmspec.IsQuadletImageUnit(e.Value) {
					continue
				}
				if err := rpmspec.CheckImageRef(e.Value, p.AllowShortNames); err != nil {
					errs = append(errs, &rpmspec.InputError{File: orGenerated(f.Origin), Field: fmt.Sprintf("%s:%d: Image", f.Path, e.Line), Msg: err.Error()})
				}
			}
		}
	}
	return errs.Err()
}
