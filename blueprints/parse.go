package blueprints

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/osbuild/blueprint/pkg/blueprint"

	"github.com/qm-build/qm-build/rpmspec"
)

// ParseBlueprint decodes a blueprint with the blueprint library: TOML, or
// JSON when name ends in .json. It is strict: a syntax error names
// name:line, an unknown key is an error naming it, and the blueprint must
// pass the library's Initialize (on a copy: Initialize fills defaults and
// hashes passwords, and the user's content stays as written).
func ParseBlueprint(r io.Reader, name string) (*blueprint.Blueprint, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	var bp blueprint.Blueprint
	if strings.HasSuffix(name, ".json") {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&bp); err != nil {
			return nil, &rpmspec.InputError{File: name, Msg: err.Error()}
		}
	} else if err := decodeTOML(data, name, &bp); err != nil {
		return nil, err
	}
	check := bp.DeepCopy()
	if err := check.Initialize(); err != nil {
		return nil, &rpmspec.InputError{File: name, Msg: err.Error()}
	}
	return &bp, nil
}

func decodeTOML(data []byte, name string, bp *blueprint.Blueprint) error {
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(bp)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return &rpmspec.InputError{File: name, Line: pe.Position.Line, Msg: pe.Message}
		}
		return &rpmspec.InputError{File: name, Msg: err.Error()}
	}
	var unknown []string
	for _, k := range md.Undecoded() {
		unknown = append(unknown, k.String())
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return &rpmspec.InputError{File: name, Field: strings.Join(unknown, ", "), Msg: "unknown key(s) for a blueprint"}
	}
	return nil
}
