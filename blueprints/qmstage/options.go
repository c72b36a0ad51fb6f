package qmstage

import (
	"sort"

	"github.com/qm-build/qm-build/rootfs"
)

// Options are the org.osbuild.qm stage's options, as osbuild passes them in
// the arguments file. Each field mirrors one flag of `qm-build rootfs` (see
// fields for the mapping) and one property of schema_2.options in
// org.osbuild.qm.meta.json; the json tags spell the schema's names. The zero
// value means upstream QM's defaults, as for rootfs.Options.
//
// The target architecture and distribution are not options: they change
// nothing in the tree (every QM package is noarch), so the stage leaves them
// at rootfs.NewPlan's defaults.
type Options struct {
	Version string `json:"version,omitempty"`
	Release string `json:"release,omitempty"`

	// Dropins are built-in catalog drop-in names, one per item, or "all".
	Dropins []string `json:"dropins,omitempty"`
	// Images override nested container images by key.
	Images map[string]string `json:"images,omitempty"`

	MemoryMax    string   `json:"memory_max,omitempty"`
	MemoryHigh   string   `json:"memory_high,omitempty"`
	CPUWeight    string   `json:"cpu_weight,omitempty"`
	Writable     bool     `json:"writable,omitempty"`
	Network      string   `json:"network,omitempty"`
	VarPartition bool     `json:"var_partition,omitempty"`
	Timezone     string   `json:"timezone,omitempty"`
	Volumes      []string `json:"volumes,omitempty"`
	Devices      []string `json:"devices,omitempty"`

	Hostname   string      `json:"hostname,omitempty"`
	Controller *Controller `json:"bluechi_controller,omitempty"`
}

// Controller is how QM's BlueChi agent reaches the controller: over TCP
// (Host, Port) or over the host's unix socket (Socket).
type Controller struct {
	Host   string `json:"host,omitempty"`
	Port   int    `json:"port,omitempty"`
	Socket bool   `json:"socket,omitempty"`
}

// RootfsOptions maps the stage's options onto rootfs.Options. The epoch is
// not an option: it comes from the arguments' meta.source-epoch.
func (o Options) RootfsOptions() rootfs.Options {
	r := rootfs.Options{
		Version:      o.Version,
		Release:      o.Release,
		Dropins:      append([]string(nil), o.Dropins...),
		MemoryMax:    o.MemoryMax,
		MemoryHigh:   o.MemoryHigh,
		CPUWeight:    o.CPUWeight,
		Writable:     o.Writable,
		Network:      o.Network,
		VarPartition: o.VarPartition,
		Timezone:     o.Timezone,
		Volumes:      append([]string(nil), o.Volumes...),
		Devices:      append([]string(nil), o.Devices...),
		Hostname:     o.Hostname,
	}
	if len(o.Images) > 0 {
		r.Images = make(map[string]string, len(o.Images))
		for k, v := range o.Images {
			r.Images[k] = v
		}
	}
	if c := o.Controller; c != nil {
		r.ControllerHost = c.Host
		r.ControllerPort = c.Port
		r.ControllerSocket = c.Socket
	}
	return r
}

// OptionsFromPlan is the contract with the manifest emitter (`qm-build
// manifest --qm-stage`): the stage options that make org.osbuild.qm write
// what `qm-build rootfs` writes for p. Version and release are always set (a
// manifest should not depend on the stage's defaults); the
// drop-ins are the plan's resolved drop-ins but the hook package
// (stageDropins), by name, sorted. The result
// marshals with encoding/json and validates against MetaJSON's schema as long
// as p uses built-in drop-ins only: drop-ins from --dropin-dir are not known
// to the stage, and the caller should refuse them (see BuiltinOnly).
func OptionsFromPlan(p *rootfs.Plan) Options {
	o := Options{
		Version:      p.Version,
		Release:      p.Release,
		Dropins:      stageDropins(p),
		MemoryMax:    p.MemoryMax,
		MemoryHigh:   p.MemoryHigh,
		CPUWeight:    p.CPUWeight,
		Writable:     p.Writable,
		Network:      p.Network,
		VarPartition: p.VarPartition,
		Timezone:     p.Timezone,
		Volumes:      append([]string(nil), p.Volumes...),
		Devices:      append([]string(nil), p.Devices...),
		Hostname:     p.Hostname,
	}
	if len(o.Dropins) == 0 {
		o.Dropins = nil
	}
	sort.Strings(o.Dropins)
	if len(p.Images) > 0 {
		o.Images = make(map[string]string, len(p.Images))
		for k, v := range p.Images {
			o.Images[k] = v
		}
	}
	switch {
	case p.ControllerSocket:
		o.Controller = &Controller{Socket: true}
	case p.ControllerHost != "" || p.ControllerPort != 0:
		o.Controller = &Controller{Host: p.ControllerHost, Port: p.ControllerPort}
	}
	return o
}

// stageDropins are the plan's drop-ins the stage can build: all but the
// hook package, whose program the stage is not given (it leaves
// qm-oci-hooks to the image's repositories).
func stageDropins(p *rootfs.Plan) []string {
	out := []string{}
	for _, d := range p.Dropins {
		if !d.HookProgram {
			out = append(out, d.Name)
		}
	}
	return out
}
