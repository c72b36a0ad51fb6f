package quadlet

import (
	"fmt"
	"path"
	"strings"

	"github.com/qm-build/qm-build/rootfs/unitfile"
)

// Arg is one word of a generated podman command line and the quadlet
// assignment that produced it (a zero From for the words quadlet always
// writes).
type Arg struct {
	Value string
	From  unitfile.Entry
}

// Generated is the service quadlet generates from a .container unit.
type Generated struct {
	// Service is the generated unit as systemd reads it from the generator
	// directory. Entries copied from the .container (its [Unit], [Service],
	// [Install]) keep their file and line; entries quadlet adds name Path.
	Service *unitfile.File
	// Path is where quadlet writes it (GeneratorDir/<name>.service).
	Path string
	// ExecStart is the podman command line, word by word, as quadlet writes
	// it into ExecStart= (before systemd expands variables).
	ExecStart []Arg
}

// ConvertOptions tune Convert.
type ConvertOptions struct {
	// DeviceExists reports whether a host device exists when quadlet runs:
	// quadlet drops an optional AddDevice=-/dev/x when it does not. nil
	// means every device exists (what a booted machine with the hardware has).
	DeviceExists func(string) bool
	// Binary is the podman binary quadlet writes (default /usr/bin/podman).
	Binary string
}

// ConvertError is a .container that quadlet refuses to convert: it writes no
// service for it.
type ConvertError struct {
	Entry unitfile.Entry // the offending assignment, when there is one
	Msg   string
}

func (e *ConvertError) Error() string {
	if e.Entry.File != "" {
		return e.Entry.Pos() + ": " + e.Msg
	}
	return e.Msg
}

// Convert generates the service for a container unit the way podman 5.4's
// quadlet does (ConvertContainer): the unit's [Unit], [Service] and [Install]
// pass through, [Container] becomes X-Container and the podman command line,
// quadlet adds its own settings (Delegate=yes, Type=notify, KillMode=mixed,
// the network-online dependencies, RequiresMountsFor= of absolute volume
// sources, …). container is the unit with its drop-ins merged, parsed with
// unitfile.ParseQuadlet; source is its path (for SourcePath= and relative
// file names). Other quadlet units referred to (Network=x.network,
// Pod=, Volume=x.volume:…) are not modelled and are a ConvertError.
func Convert(container *unitfile.File, name, source string, o ConvertOptions) (*Generated, error) {
	if o.Binary == "" {
		o.Binary = "/usr/bin/podman"
	}
	v := view{container}
	svcName := strings.TrimSuffix(name, path.Ext(name)) + ".service"
	g := &Generated{Path: path.Join(GeneratorDir, svcName)}
	c := &converter{v: v, g: g, o: o, source: source, name: svcName}
	if err := c.checkKeys(); err != nil {
		return nil, err
	}
	c.service()
	if err := c.command(); err != nil {
		return nil, err
	}
	return g, nil
}

// converter holds one conversion.
type converter struct {
	v      view
	g      *Generated
	o      ConvertOptions
	source string
	name   string // the service's name
	svc    *svcBuilder
	argv   []Arg
}

// checkKeys refuses keys quadlet does not know in [Container] and [Quadlet]
// (quadlet reports the first one).
func (c *converter) checkKeys() error {
	for _, group := range []string{GroupContainer, GroupQuadlet} {
		for _, e := range c.v.f.SectionEntries(group) {
			if !Supported(group, e.Key) {
				return &ConvertError{Entry: e, Msg: fmt.Sprintf("unsupported key '%s' in group '%s'", e.Key, group)}
			}
		}
	}
	return nil
}

// gen is an entry quadlet adds itself.
func (c *converter) gen(section, key, value string) unitfile.Entry {
	return unitfile.Entry{Section: section, Key: key, Value: value, File: c.g.Path}
}

// add appends generated words.
func (c *converter) add(from unitfile.Entry, words ...string) {
	for _, w := range words {
		c.argv = append(c.argv, Arg{Value: w, From: from})
	}
}

// fixed appends words quadlet always writes.
func (c *converter) fixed(words ...string) { c.add(unitfile.Entry{}, words...) }
