package rootfs

import (
	"strings"
	"time"

	"github.com/qm-build/qm-build/rpmspec"
)

// Options are every knob a user of qm-build can turn. They are the one
// options type: the CLI's flags fill them (cmd/internal/cli), the
// org.osbuild.qm stage decodes its options into them (blueprints/qmstage),
// the manifest stage hands them to qm-build-manifest as JSON, and blueprint
// fragments and manifests are made from the plan they give. The JSON names
// are the stage's option names (org.osbuild.qm.meta.json). The zero value
// means "upstream QM's defaults".
type Options struct {
	Version string `json:"version,omitempty"` // QM version; default rpmspec.DefaultVersion
	Release string `json:"release,omitempty"` // package release; default rpmspec.DefaultRelease
	Arch    string `json:"arch,omitempty"`    // target architecture: x86_64 or aarch64; default x86_64
	Distro  string `json:"distro,omitempty"`  // target distribution: cs9, cs10, autosd9, autosd10, fedora-42; default cs10

	// Dropins name drop-ins of the catalog (comma lists and "all" allowed).
	Dropins []string `json:"dropins,omitempty"`
	// Images override nested container images by key (see `qm-build dropins`).
	Images map[string]string `json:"images,omitempty"`
	// AllowShortNames accepts image references without a registry, tag or
	// digest in Images and in nested quadlets (rpmspec.CheckImageRef). The
	// org.osbuild.qm stage does not take it (blueprints/qmstage).
	AllowShortNames bool `json:"allow_short_names,omitempty"`
	// NestedImages bake images into QM's image store, by image key:
	// TRANSPORT:PATH[:TAG] of a local OCI layout, OCI archive or docker
	// archive (ParseNestedSource). The key's image is then pinned by digest
	// (docs/nested-images.md). The org.osbuild.qm stage does not take it: a
	// manifest bakes the images with osbuild's own skopeo stage.
	NestedImages map[string]string `json:"nested_images,omitempty"`

	// Epoch is SOURCE_DATE_EPOCH: the build time of packages and the
	// modification time of files. Zero means unset. It is not an option of
	// any front end's own (the environment, or osbuild's source epoch).
	Epoch time.Time `json:"-"`

	// The QM container (each lands in a quadlet drop-in, never an edit of the
	// packaged qm.container).
	MemoryMax    string   `json:"memory_max,omitempty"`    // MemoryMax= (systemd size, percentage or "infinity")
	MemoryHigh   string   `json:"memory_high,omitempty"`   // MemoryHigh=
	CPUWeight    string   `json:"cpu_weight,omitempty"`    // CPUWeight= ("idle" or 1..10000)
	Writable     bool     `json:"writable,omitempty"`      // ReadOnly=false
	Network      string   `json:"network,omitempty"`       // Network= (default private)
	VarPartition bool     `json:"var_partition,omitempty"` // /var/qm is a partition of its own
	Timezone     string   `json:"timezone,omitempty"`      // Timezone=; "" resolves from the target tree, else UTC
	Volumes      []string `json:"volumes,omitempty"`       // extra Volume= lines (host:container[:options])
	Devices      []string `json:"devices,omitempty"`       // extra AddDevice= lines

	// QM's BlueChi agent.
	Hostname   string     `json:"hostname,omitempty"` // NodeName=qm.<Hostname>; "" takes the host agent's NodeName from the tree
	Controller Controller `json:"bluechi_controller,omitzero"`
}

// Controller is how QM's BlueChi agent reaches the controller: over TCP
// (Host, Port) or over the host's unix socket (Socket).
type Controller struct {
	Host   string `json:"host,omitempty"`
	Port   int    `json:"port,omitempty"`
	Socket bool   `json:"socket,omitempty"`
}

// The neutral names of the options, as errors carry them. Each is the
// option's JSON name (a nested one dotted).
const (
	FieldVersion          = "version"
	FieldRelease          = "release"
	FieldArch             = "arch"
	FieldDistro           = "distro"
	FieldDropins          = "dropins"
	FieldImages           = "images"
	FieldAllowShortNames  = "allow_short_names"
	FieldNestedImages     = "nested_images"
	FieldMemoryMax        = "memory_max"
	FieldMemoryHigh       = "memory_high"
	FieldCPUWeight        = "cpu_weight"
	FieldWritable         = "writable"
	FieldNetwork          = "network"
	FieldVarPartition     = "var_partition"
	FieldTimezone         = "timezone"
	FieldVolumes          = "volumes"
	FieldDevices          = "devices"
	FieldHostname         = "hostname"
	FieldController       = "bluechi_controller"
	FieldControllerHost   = "bluechi_controller.host"
	FieldControllerPort   = "bluechi_controller.port"
	FieldControllerSocket = "bluechi_controller.socket"
)

// OptionField is one option as the front ends name it: by its neutral name
// (Name, the JSON name) and by its command-line flag (Flag).
type OptionField struct {
	Name string
	Flag string
}

// OptionFields is the one table of the options' names, in Options' order.
// A test checks it against Options' JSON tags and the CLI's flags.
func OptionFields() []OptionField {
	return []OptionField{
		{FieldVersion, "--pkg-version"},
		{FieldRelease, "--pkg-release"},
		{FieldArch, "--arch"},
		{FieldDistro, "--distro"},
		{FieldDropins, "--dropin"},
		{FieldImages, "--image"},
		{FieldAllowShortNames, "--allow-short-names"},
		{FieldNestedImages, "--nested-image"},
		{FieldMemoryMax, "--memory-max"},
		{FieldMemoryHigh, "--memory-high"},
		{FieldCPUWeight, "--cpu-weight"},
		{FieldWritable, "--writable"},
		{FieldNetwork, "--network"},
		{FieldVarPartition, "--var-partition"},
		{FieldTimezone, "--timezone"},
		{FieldVolumes, "--volume"},
		{FieldDevices, "--device"},
		{FieldHostname, "--hostname"},
		{FieldControllerHost, "--controller-host"},
		{FieldControllerPort, "--controller-port"},
		{FieldControllerSocket, "--controller-socket"},
	}
}

// FieldForFlag returns the neutral name of the option a flag sets
// ("--memory-max" → "memory_max").
func FieldForFlag(flag string) (string, bool) {
	for _, f := range OptionFields() {
		if f.Flag == flag {
			return f.Name, true
		}
	}
	return "", false
}

// FlagSpelling spells a neutral field name as the CLI does: the option's
// flag ("memory_max" → "--memory-max", "images.kvm" → "--image kvm"), or the
// name unchanged when no flag sets it.
func FlagSpelling(field string) string {
	for _, f := range OptionFields() {
		switch {
		case field == f.Name:
			return f.Flag
		case strings.HasPrefix(field, f.Name+"."):
			return f.Flag + " " + strings.TrimPrefix(field, f.Name+".")
		case strings.HasPrefix(field, f.Name+"["):
			return f.Flag
		}
	}
	return field
}

// ref is how a message refers to another option: "{name}", spelled by Spell.
func ref(name string) string { return "{" + name + "}" }

// Spell rewrites every InputError in err for a front end: a Field that is an
// option's neutral name (or starts with one) and each {name} in a message
// become spell(name). Other errors are returned unchanged.
func Spell(err error, spell func(field string) string) error {
	if err == nil {
		return nil
	}
	for _, e := range rpmspec.AsErrors(err) {
		spellOne(e, spell)
	}
	return err
}

func spellOne(e *rpmspec.InputError, spell func(string) string) {
	if isOptionField(e.Field) {
		e.Field = spell(e.Field)
	}
	for _, f := range OptionFields() {
		e.Msg = strings.ReplaceAll(e.Msg, ref(f.Name), spell(f.Name))
	}
}

// isOptionField reports whether field names an option (possibly indexed or
// nested below it).
func isOptionField(field string) bool {
	for _, f := range append(OptionFields(), OptionField{Name: FieldController}) {
		if field == f.Name || strings.HasPrefix(field, f.Name+".") || strings.HasPrefix(field, f.Name+"[") {
			return true
		}
	}
	return false
}
