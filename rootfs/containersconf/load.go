package containersconf

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"

	"github.com/qm-build/qm-build/rootfs/imagefs"
)

// Problem is a file podman cannot use (it then fails), or a missing one.
type Problem struct {
	Path string
	Line int
	Msg  string
}

func (p Problem) Error() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.Path, p.Line, p.Msg)
	}
	return p.Path + ": " + p.Msg
}

// Source is where a value was set.
type Source struct {
	File string
	Line int
}

// Item is one element of a list setting.
type Item struct {
	Value string
	Source
}

// Setting is the effective value of one key.
type Setting struct {
	Table, Key string
	// Value is a string, bool, int64, or []Item for lists.
	Value any
	Source
}

// Items is a list setting's elements ([] when unset).
func (s Setting) Items() []Item {
	l, _ := s.Value.([]Item)
	return l
}

// kind is the TOML type podman's Config gives a key.
type kind int

const (
	kList kind = iota + 1
	kString
	kBool
	kInt
)

// keys are the settings modelled: those that change a container's
// confinement, devices, mounts, OOM score or the engine that runs it.
var keys = sync.OnceValue(func() map[string]kind {
	return map[string]kind{
		"containers.devices": kList, "containers.volumes": kList, "containers.mounts": kList,
		"containers.annotations": kList, "containers.default_capabilities": kList, "containers.default_sysctls": kList,
		"containers.env": kList, "containers.cgroup_conf": kList, "containers.privileged": kBool,
		"containers.read_only": kBool, "containers.label": kBool, "containers.init": kBool,
		"containers.seccomp_profile": kString, "containers.apparmor_profile": kString, "containers.init_path": kString,
		"containers.pidns": kString, "containers.ipcns": kString, "containers.utsns": kString, "containers.userns": kString,
		"containers.cgroupns": kString, "containers.netns": kString, "containers.cgroups": kString,
		"containers.oom_score_adj": kInt, "containers.pids_limit": kInt,
		"engine.hooks_dir": kList, "engine.cdi_spec_dirs": kList, "engine.conmon_path": kList, "engine.runtime": kString,
		"engine.static_dir": kString, "engine.volume_path": kString, "engine.tmp_dir": kString,
	}
})

// Config is the merged configuration.
type Config struct {
	// Files are the files read, in order.
	Files    []string
	Problems []Problem
	settings map[string]Setting
	appendOn map[string]bool
}

// Load reads and merges files in order.
func Load(fsys imagefs.FS, files []string) *Config {
	c := &Config{Files: files, settings: map[string]Setting{}, appendOn: map[string]bool{}}
	for _, f := range files {
		data, err := fsys.ReadFile(f)
		if err != nil {
			c.Problems = append(c.Problems, Problem{Path: f, Msg: "cannot read: " + err.Error()})
			continue
		}
		c.merge(f, data)
	}
	return c
}

// Get returns a key's effective setting ("containers", "devices").
func (c *Config) Get(table, key string) (Setting, bool) {
	s, ok := c.settings[table+"."+key]
	return s, ok
}

// Runtimes lists the [engine.runtimes] entries: runtime name → paths.
func (c *Config) Runtimes() map[string]Setting {
	out := map[string]Setting{}
	for k, s := range c.settings {
		if name, ok := strings.CutPrefix(k, "engine.runtimes."); ok {
			out[name] = s
		}
	}
	return out
}

func (c *Config) merge(file string, data []byte) {
	var doc map[string]any
	if _, err := toml.Decode(string(data), &doc); err != nil {
		line := 0
		var pe toml.ParseError
		if errors.As(err, &pe) {
			line = pe.Position.Line
		}
		first, _, _ := strings.Cut(err.Error(), "\n")
		c.Problems = append(c.Problems, Problem{Path: file, Line: line, Msg: "not valid TOML (podman fails): " + first})
		return
	}
	lines := keyLines(data)
	for _, table := range sortedKeys(doc) {
		tbl, ok := doc[table].(map[string]any)
		if !ok {
			continue
		}
		for _, k := range sortedKeys(tbl) {
			val := tbl[k]
			if table == "engine" && k == "runtimes" {
				if rt, ok := val.(map[string]any); ok {
					for _, name := range sortedKeys(rt) {
						c.set("engine.runtimes."+name, kList, rt[name], file, lines["engine.runtimes."+name])
					}
				}
				continue
			}
			if kd, ok := keys()[table+"."+k]; ok {
				c.set(table+"."+k, kd, val, file, lines[table+"."+k])
			}
		}
	}
}

// set applies one key of one file.
func (c *Config) set(full string, kd kind, val any, file string, line int) {
	table, key, _ := strings.Cut(full, ".")
	src := Source{File: file, Line: line}
	bad := func(want string) {
		c.Problems = append(c.Problems, Problem{Path: file, Line: line, Msg: fmt.Sprintf("[%s] %s is not %s (podman fails)", table, key, want)})
	}
	switch kd {
	case kList:
		arr, ok := val.([]any)
		if !ok {
			bad("a list")
			return
		}
		var items []Item
		for _, x := range arr {
			switch v := x.(type) {
			case string:
				items = append(items, Item{Value: v, Source: src})
			case map[string]any:
				a, ok := v["append"].(bool)
				if len(v) != 1 || !ok {
					bad("a list of strings with an optional {append=true}")
					return
				}
				c.appendOn[full] = a
			default:
				bad("a list of strings")
				return
			}
		}
		if c.appendOn[full] {
			items = append(c.settings[full].Items(), items...)
		}
		val = items
	case kString:
		if _, ok := val.(string); !ok {
			bad("a string")
			return
		}
	case kBool:
		if _, ok := val.(bool); !ok {
			bad("a boolean")
			return
		}
	case kInt:
		if _, ok := val.(int64); !ok {
			bad("an integer")
			return
		}
	}
	c.settings[full] = Setting{Table: table, Key: key, Value: val, Source: src}
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var (
	tableRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\s*\[\s*([A-Za-z0-9_.\-"]+)\s*\]`) })
	keyRE   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\s*"?([A-Za-z0-9_\-]+)"?\s*=`) })
)

// keyLines finds the line of each "table.key" assignment (TOML decoders
// give no positions for values).
func keyLines(data []byte) map[string]int {
	out := map[string]int{}
	table := ""
	for i, l := range strings.Split(string(data), "\n") {
		if m := tableRE().FindStringSubmatch(l); m != nil {
			table = strings.ReplaceAll(m[1], `"`, "")
			continue
		}
		if m := keyRE().FindStringSubmatch(l); m != nil && table != "" {
			out[table+"."+m[1]] = i + 1
		}
	}
	return out
}
