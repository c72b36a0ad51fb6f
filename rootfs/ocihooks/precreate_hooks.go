package ocihooks

import (
	"encoding/json"
	"path"
	"regexp"
	"strings"
)

// Where qm-oci-hooks installs the hook program and its configuration.
const (
	// ProgramPath is the hook program, one for every hook below.
	ProgramPath = "/usr/libexec/oci/hooks.d/qm-oci-hook"
	// HooksDir is podman's directory of packaged hook configurations
	// (oci-hooks(5); /etc/containers/oci/hooks.d overrides a file by name).
	HooksDir = "/usr/share/containers/oci/hooks.d"
	// HookVersion is the version of the hook configuration format.
	HookVersion = "1.0.0"
	// StagePrecreate runs a hook on the runtime configuration before the
	// container is created (podman's extension of the OCI hook stages).
	StagePrecreate = "precreate"
)

// PrecreateHook is one hooks.d configuration of qm-oci-hooks: the
// annotations that make podman run the hook program, and the argument that
// tells the program which of them this configuration is for. The file names
// are upstream's, so that qm-build's package and upstream's replace each
// other's files.
type PrecreateHook struct {
	// File is the configuration's name in HooksDir.
	File string
	// Arg is the program's argument: "device", "wayland-seat" or
	// "wayland-client".
	Arg string
	// Prefix is the annotation key prefix the hook handles, or Key the one
	// key.
	Prefix, Key string
}

// PrecreateHooks are qm-oci-hooks' configurations, one per annotation
// family of the table (Annotations): the device classes, the wayland seat,
// the wayland clients.
func PrecreateHooks() []PrecreateHook {
	return []PrecreateHook{
		{File: "oci-qm-device-manager.json", Arg: "device", Prefix: DevicePrefix},
		{File: "oci-qm-seat-manager.json", Arg: "wayland-seat", Key: WaylandSeat},
		{File: "oci-qm-wayland-client-devices.json", Arg: "wayland-client", Prefix: WaylandClientPrefix},
	}
}

// LookupPrecreateHook returns the hook a program argument names.
func LookupPrecreateHook(arg string) (PrecreateHook, bool) {
	for _, h := range PrecreateHooks() {
		if h.Arg == arg {
			return h, true
		}
	}
	return PrecreateHook{}, false
}

// Handles reports whether the hook acts on an annotation key.
func (h PrecreateHook) Handles(key string) bool {
	if h.Key != "" {
		return key == h.Key
	}
	return strings.HasPrefix(key, h.Prefix) && len(key) > len(h.Prefix)
}

// Path is the configuration's path on the image.
func (h PrecreateHook) Path() string { return path.Join(HooksDir, h.File) }

// KeyPattern is the regular expression podman matches annotation keys
// against (the configuration's when.annotations), anchored at both ends.
func (h PrecreateHook) KeyPattern() string {
	if h.Key != "" {
		return "^" + regexp.QuoteMeta(h.Key) + "$"
	}
	return "^" + regexp.QuoteMeta(h.Prefix) + ".+$"
}

// hookConfig is the hooks.d JSON format, version 1.0.0 (oci-hooks(5);
// podman's pkg/hooks/1.0.0): the hook to run (runtime-spec config.md,
// "POSIX-platform Hooks"), when to run it and at which stages.
type hookConfig struct {
	Version string `json:"version"`
	Hook    struct {
		Path string   `json:"path"`
		Args []string `json:"args"`
	} `json:"hook"`
	When struct {
		Annotations map[string]string `json:"annotations"`
	} `json:"when"`
	Stages []string `json:"stages"`
}

// JSON renders the configuration: the program with its argument, run at the
// precreate stage when an annotation key matches KeyPattern, whatever its
// value (the program checks values against the table, so that a refused
// value is logged rather than silently ignored).
func (h PrecreateHook) JSON() []byte {
	var c hookConfig
	c.Version = HookVersion
	c.Hook.Path = ProgramPath
	c.Hook.Args = []string{path.Base(ProgramPath), h.Arg}
	c.When.Annotations = map[string]string{h.KeyPattern(): "^.*$"}
	c.Stages = []string{StagePrecreate}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		panic("ocihooks: encoding a hook configuration: " + err.Error())
	}
	return append(b, '\n')
}
