package ocihooks

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Hook is one hooks.d JSON file as podman's hook loader reads it
// (oci-hooks(5); containers/common pkg/hooks, versions 1.0.0 and 0.1.0).
type Hook struct {
	// Name is the file name: a hook in a later directory replaces the hook of
	// the same name in an earlier one.
	Name string
	// File is the JSON file's image path.
	File string
	// Version is the schema version the file declares ("1.0.0" or "0.1.0").
	Version string
	// Program is hook.path, the executable podman runs; Args its arguments.
	Program string
	Args    []string
	When    When
	Stages  []string
}

// When are a hook's conditions (1.0.0 "when"; a 0.1.0 hook matches when any
// of them holds, which Or records).
type When struct {
	Always        *bool             `json:"always,omitempty"`
	Annotations   map[string]string `json:"annotations,omitempty"`
	Commands      []string          `json:"commands,omitempty"`
	HasBindMounts *bool             `json:"hasBindMounts,omitempty"`
	Or            bool              `json:"-"`
}

// ExtensionStages are the stages podman 5.4 runs itself, besides the OCI
// runtime's (createRuntime, createContainer, startContainer, prestart,
// poststart, poststop).
var ExtensionStages = []string{"precreate", "poststop"}

var ociStages = []string{"createContainer", "createRuntime", "prestart", "poststart", "poststop", "startContainer"}

// ParseHook reads a hook file of any version podman accepts; a file without
// a version is 0.1.0.
func ParseHook(data []byte, name string) (*Hook, error) {
	var ver struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(data, &ver); err != nil {
		return nil, fmt.Errorf("version check: %w", err)
	}
	switch ver.Version {
	case "1.0.0":
		return parseCurrent(data, name)
	case "0.1.0", "":
		return parseOld(data, name)
	}
	return nil, fmt.Errorf("unrecognized hook version: %q", ver.Version)
}

func parseCurrent(data []byte, name string) (*Hook, error) {
	var raw struct {
		Version string `json:"version"`
		Hook    struct {
			Path string   `json:"path"`
			Args []string `json:"args,omitempty"`
		} `json:"hook"`
		When   When     `json:"when"`
		Stages []string `json:"stages"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("1.0.0: %w", err)
	}
	return &Hook{Name: name, Version: raw.Version, Program: raw.Hook.Path, Args: raw.Hook.Args, When: raw.When, Stages: raw.Stages}, nil
}

// parseOld reads a 0.1.0 hook: "hook", "arguments", "stage(s)", "cmd(s)",
// "annotation(s)" (a list of value patterns for any key), "hasbindmounts".
func parseOld(data []byte, name string) (*Hook, error) {
	var raw struct {
		Hook          *string  `json:"hook"`
		Arguments     []string `json:"arguments,omitempty"`
		Stages        []string `json:"stages"`
		Stage         []string `json:"stage"`
		Cmds          []string `json:"cmds,omitempty"`
		Cmd           []string `json:"cmd,omitempty"`
		Annotations   []string `json:"annotations,omitempty"`
		Annotation    []string `json:"annotation,omitempty"`
		HasBindMounts *bool    `json:"hasbindmounts,omitempty"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("0.1.0: %w", err)
	}
	if raw.Hook == nil {
		return nil, errors.New("0.1.0: missing required property: hook")
	}
	pick := func(a, b []string, what string) ([]string, error) {
		if a != nil && b != nil {
			return nil, fmt.Errorf("0.1.0: cannot set both '%s' and '%ss'", what, what)
		}
		if a == nil {
			return b, nil
		}
		return a, nil
	}
	stages, err := pick(raw.Stages, raw.Stage, "stage")
	if err != nil {
		return nil, err
	}
	if stages == nil {
		return nil, errors.New("0.1.0: missing required property: stages")
	}
	cmds, err := pick(raw.Cmds, raw.Cmd, "cmd")
	if err != nil {
		return nil, err
	}
	ann, err := pick(raw.Annotations, raw.Annotation, "annotation")
	if err != nil {
		return nil, err
	}
	h := &Hook{Name: name, Version: "0.1.0", Program: *raw.Hook, Stages: stages,
		When: When{Commands: cmds, HasBindMounts: raw.HasBindMounts, Or: true}}
	if raw.Arguments != nil {
		h.Args = append([]string{*raw.Hook}, raw.Arguments...)
	}
	if ann != nil {
		h.When.Annotations = map[string]string{".*": strings.Join(ann, "|")}
	}
	return h, nil
}

// ErrProgramMissing is a hook whose program is not in the image: podman's
// loader skips such a hook.
var ErrProgramMissing = errors.New("hook program missing")

// Validate applies the loader's checks (1.0.0 Validate): version 1.0.0 after
// conversion, a program that exists, patterns that compile, known stages
// (the OCI ones and ExtensionStages).
func (h *Hook) Validate(programExists func(string) bool) error {
	if h.Program == "" {
		return errors.New("missing required property: hook.path")
	}
	if !programExists(h.Program) {
		return fmt.Errorf("%w: %s", ErrProgramMissing, h.Program)
	}
	for k, v := range h.When.Annotations {
		if _, err := regexp.Compile(k); err != nil {
			return fmt.Errorf("invalid annotation key %q: %w", k, err)
		}
		if _, err := regexp.Compile(v); err != nil {
			return fmt.Errorf("invalid annotation value %q: %w", v, err)
		}
	}
	for _, c := range h.When.Commands {
		if _, err := regexp.Compile(c); err != nil {
			return fmt.Errorf("invalid command %q: %w", c, err)
		}
	}
	if h.Stages == nil {
		return errors.New("missing required property: stages")
	}
	for _, s := range h.Stages {
		if !knownStage(s) {
			return fmt.Errorf("unknown stage %q", s)
		}
	}
	return nil
}

func knownStage(s string) bool {
	for _, l := range [][]string{ociStages, ExtensionStages} {
		for _, x := range l {
			if x == s {
				return true
			}
		}
	}
	return false
}
