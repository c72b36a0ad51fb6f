package podman

import (
	"encoding/csv"
	"fmt"
	"path"
	"strings"
)

// Mount is a volume, mount or tmpfs of a container.
type Mount struct {
	// Type is bind, volume (named or anonymous), tmpfs, image, devpts, glob,
	// ramfs or artifact.
	Type string
	// Source is the host path of a bind or glob mount, the volume name, or "".
	Source string
	// Destination is the path inside the container, cleaned.
	Destination string
	Options     []string
	ReadOnly    bool
}

// ParseVolume reads a -v/--volume value: SOURCE:DESTINATION[:OPTIONS], or a
// lone DESTINATION (an anonymous volume). A source that starts with "/" or "."
// is a host path, anything else names a volume.
func ParseVolume(v string) (Mount, error) {
	parts := strings.SplitN(v, ":", 3)
	m := Mount{Type: "volume"}
	switch len(parts) {
	case 1:
		m.Destination = parts[0]
	default:
		m.Source, m.Destination = parts[0], parts[1]
		if len(parts) == 3 {
			m.Options = strings.Split(parts[2], ",")
		}
	}
	if m.Destination == "" || !strings.HasPrefix(m.Destination, "/") {
		return m, fmt.Errorf("invalid volume %q: the destination must be an absolute path", v)
	}
	if strings.HasPrefix(m.Source, "/") || strings.HasPrefix(m.Source, ".") {
		m.Type = "bind"
		m.Source = path.Clean(m.Source)
	}
	m.Destination = path.Clean(m.Destination)
	for _, o := range m.Options {
		if o == "ro" {
			m.ReadOnly = true
		}
	}
	return m, nil
}

// ParseMount reads a --mount value (comma-separated KEY=VALUE; type=, source=
// or src=, target=, destination= or dst=, ro or readonly).
func ParseMount(v string) (Mount, error) {
	rec, err := csv.NewReader(strings.NewReader(v)).Read()
	if err != nil {
		return Mount{}, fmt.Errorf("invalid mount %q: %w", v, err)
	}
	m := Mount{}
	for _, kv := range rec {
		k, val, hasVal := strings.Cut(kv, "=")
		switch strings.ToLower(k) {
		case "type":
			m.Type = val
		case "source", "src":
			m.Source = val
		case "target", "destination", "dst":
			m.Destination = path.Clean(val)
		case "ro", "readonly":
			m.ReadOnly = !hasVal || val == "true" || val == "1"
		default:
			m.Options = append(m.Options, kv)
		}
	}
	if m.Type == "" {
		return m, fmt.Errorf("invalid mount %q: no type=", v)
	}
	if m.Destination == "" {
		return m, fmt.Errorf("invalid mount %q: no target", v)
	}
	if (m.Type == "bind" || m.Type == "glob") && m.Source != "" {
		m.Source = path.Clean(m.Source)
	}
	return m, nil
}

// ParseTmpfs reads a --tmpfs value: DESTINATION[:OPTIONS].
func ParseTmpfs(v string) Mount {
	dst, opts, _ := strings.Cut(v, ":")
	m := Mount{Type: "tmpfs", Destination: path.Clean(dst)}
	if opts != "" {
		m.Options = strings.Split(opts, ",")
	}
	return m
}
