package ocihooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"sort"
	"strings"
)

// HostDevice is a device node of the host as the hook adds it to a
// container (runtime-spec config-linux.md, "Devices"): path, type, numbers,
// permission bits and owner.
type HostDevice struct {
	Path     string // absolute, e.g. /dev/snd/controlC0
	Type     string // "c" (character) or "b" (block)
	Major    int64
	Minor    int64
	FileMode uint32 // st_mode, type and permission bits, as podman records a --device
	UID, GID uint32
}

// ErrNotDevice is returned by HostFS.Device for a path that is not a
// character or block device (a directory, a symlink, a regular file).
var ErrNotDevice = errors.New("not a character or block device")

// HostFS is the host's /dev as the hook reads it. DirHost reads a real
// directory tree; tests pass a fake one.
type HostFS interface {
	// Glob returns the absolute paths matching pattern (path.Match syntax),
	// sorted; none is not an error.
	Glob(pattern string) ([]string, error)
	// Device describes the node at an absolute path without following a
	// final symlink, or returns an error wrapping ErrNotDevice or
	// fs.ErrNotExist.
	Device(name string) (HostDevice, error)
}

// Result is what Precreate did.
type Result struct {
	// Config is the container's configuration with the devices added.
	Config []byte
	// Added are the devices added, sorted by path.
	Added []HostDevice
	// Notes say what was left alone and why, for the hook's log.
	Notes []string
}

// Precreate is the precreate hook (oci-hooks(5): podman passes the
// container's runtime configuration on stdin and runs the container with the
// configuration the hook prints): for every annotation of config that hook
// handles and QM's table grants (Annotations, Grant.Grants), it adds each
// device node the host has at the grant's patterns to linux.devices, with a
// cgroup rule allowing it (linux.resources.devices, access rwm), unless the
// configuration already has a device at that path. Everything else in config
// is kept as it was; keys come out sorted. A configuration that is not a JSON
// object is an error, so that podman refuses to create the container rather
// than run it without its devices.
func Precreate(config io.Reader, host HostFS, hook PrecreateHook) (Result, error) {
	data, err := io.ReadAll(config)
	if err != nil {
		return Result{}, fmt.Errorf("reading the container configuration: %w", err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil || doc == nil {
		return Result{}, fmt.Errorf("reading the container configuration: not a JSON object: %v", err)
	}
	var annotations map[string]string
	if raw, ok := doc["annotations"]; ok {
		if err := json.Unmarshal(raw, &annotations); err != nil {
			return Result{}, fmt.Errorf("reading the container's annotations: %w", err)
		}
	}
	var res Result
	want, notes, err := wanted(annotations, host, hook)
	res.Notes = notes
	if err != nil {
		return Result{}, err
	}
	linux, err := object(doc, "linux")
	if err != nil {
		return Result{}, err
	}
	added, err := addDevices(linux, want)
	if err != nil {
		return Result{}, err
	}
	if len(added) > 0 {
		if err := allowDevices(linux, added); err != nil {
			return Result{}, err
		}
		if doc["linux"], err = json.Marshal(linux); err != nil {
			return Result{}, err
		}
	}
	res.Added = added
	if res.Config, err = json.Marshal(doc); err != nil {
		return Result{}, err
	}
	return res, nil
}

// wanted lists the host devices the handled annotations grant, by path.
func wanted(annotations map[string]string, host HostFS, hook PrecreateHook) ([]HostDevice, []string, error) {
	var notes []string
	seen := map[string]bool{}
	var out []HostDevice
	keys := make([]string, 0, len(annotations))
	for k := range annotations {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !IsQM(k) || !hook.Handles(k) {
			continue
		}
		v := annotations[k]
		g, ok := Lookup(k)
		switch {
		case !ok:
			notes = append(notes, fmt.Sprintf("%s=%s: not an annotation QM's hooks know; ignored", k, v))
			continue
		case !g.Grants(v):
			notes = append(notes, fmt.Sprintf("%s=%s: the value grants nothing (want %s)", k, v, grantValue(g)))
			continue
		}
		n := 0
		for _, pattern := range g.Devices {
			paths, err := host.Glob(pattern)
			if err != nil {
				return nil, notes, fmt.Errorf("%s: looking for %s: %w", k, pattern, err)
			}
			for _, p := range paths {
				if seen[p] {
					continue
				}
				d, err := host.Device(p)
				if err != nil {
					continue // a directory, a symlink or a file: not a device to add
				}
				seen[p] = true
				out = append(out, d)
				n++
			}
		}
		if n == 0 {
			notes = append(notes, fmt.Sprintf("%s=%s: the host has no %s (%s)", k, v, g.Summary, strings.Join(g.Devices, " ")))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, notes, nil
}

func grantValue(g Grant) string {
	if g.Value == "" {
		return "any non-empty value"
	}
	return g.Value
}

// object decodes doc[key] as a JSON object; a missing key gives an empty one.
func object(doc map[string]json.RawMessage, key string) (map[string]json.RawMessage, error) {
	out := map[string]json.RawMessage{}
	raw, ok := doc[key]
	if !ok || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return out, nil
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("reading the configuration's %s: %w", key, err)
	}
	return out, nil
}

// list decodes doc[key] as a JSON array; a missing key gives none.
func list(doc map[string]json.RawMessage, key string) ([]json.RawMessage, error) {
	var out []json.RawMessage
	raw, ok := doc[key]
	if !ok || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, nil
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("reading the configuration's %s: %w", key, err)
	}
	return out, nil
}

// ociDevice is a linux.devices entry (runtime-spec specs-go LinuxDevice).
type ociDevice struct {
	Path     string `json:"path"`
	Type     string `json:"type"`
	Major    int64  `json:"major"`
	Minor    int64  `json:"minor"`
	FileMode uint32 `json:"fileMode"`
	UID      uint32 `json:"uid"`
	GID      uint32 `json:"gid"`
}

// ociAllow is a linux.resources.devices entry (specs-go
// LinuxDeviceCgroup) allowing one device.
type ociAllow struct {
	Allow  bool   `json:"allow"`
	Type   string `json:"type"`
	Major  int64  `json:"major"`
	Minor  int64  `json:"minor"`
	Access string `json:"access"`
}

// addDevices appends want to linux.devices, skipping paths already there,
// and returns what it added.
func addDevices(linux map[string]json.RawMessage, want []HostDevice) ([]HostDevice, error) {
	devices, err := list(linux, "devices")
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, raw := range devices {
		var d struct {
			Path string `json:"path"`
		}
		if err := json.Unmarshal(raw, &d); err != nil {
			return nil, fmt.Errorf("reading linux.devices: %w", err)
		}
		have[path.Clean(d.Path)] = true
	}
	var added []HostDevice
	for _, d := range want {
		if have[d.Path] {
			continue
		}
		raw, err := json.Marshal(ociDevice{Path: d.Path, Type: d.Type, Major: d.Major, Minor: d.Minor, FileMode: d.FileMode, UID: d.UID, GID: d.GID})
		if err != nil {
			return nil, err
		}
		devices = append(devices, raw)
		added = append(added, d)
	}
	if len(added) == 0 {
		return nil, nil
	}
	raw, err := json.Marshal(devices)
	if err != nil {
		return nil, err
	}
	linux["devices"] = raw
	return added, nil
}

// allowDevices appends a cgroup rule allowing each device to
// linux.resources.devices, after the rules already there (the last matching
// rule wins, and podman's list starts by denying everything).
func allowDevices(linux map[string]json.RawMessage, added []HostDevice) error {
	resources, err := object(linux, "resources")
	if err != nil {
		return err
	}
	rules, err := list(resources, "devices")
	if err != nil {
		return err
	}
	var existing []ociAllow
	for _, raw := range rules {
		var r ociAllow
		if err := json.Unmarshal(raw, &r); err != nil {
			return fmt.Errorf("reading linux.resources.devices: %w", err)
		}
		existing = append(existing, r)
	}
	for _, d := range added {
		rule := ociAllow{Allow: true, Type: d.Type, Major: d.Major, Minor: d.Minor, Access: "rwm"}
		if slices.Contains(existing, rule) {
			continue
		}
		raw, err := json.Marshal(rule)
		if err != nil {
			return err
		}
		rules = append(rules, raw)
		existing = append(existing, rule)
	}
	if resources["devices"], err = json.Marshal(rules); err != nil {
		return err
	}
	raw, err := json.Marshal(resources)
	if err != nil {
		return err
	}
	linux["resources"] = raw
	return nil
}
