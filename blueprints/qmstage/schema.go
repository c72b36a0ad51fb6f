package qmstage

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

// StageName is the stage's type name: osbuild finds it as
// <libdir>/stages/org.osbuild.qm, and the qm-build binary acts as the stage
// when its argv[0] has this base name.
const StageName = "org.osbuild.qm"

// MetaFileName is the name of the stage's meta file beside it. osbuild reads
// summary, description (a list of lines) and schema_2 from it.
const MetaFileName = StageName + ".meta.json"

// metaJSON is the meta file: the stage's summary, description and option
// schema (JSON Schema draft 4, which osbuild validates with
// jsonschema.Draft4Validator; osbuild/meta.py ModuleInfo).
//
//go:embed org.osbuild.qm.meta.json
var metaJSON []byte

// MetaJSON returns the meta file's bytes, as installed beside the stage.
func MetaJSON() []byte { return append([]byte(nil), metaJSON...) }

// Meta is the decoded meta file.
type Meta struct {
	Summary     string   `json:"summary"`
	Description []string `json:"description"`
	Schema2     struct {
		Options json.RawMessage `json:"options"`
	} `json:"schema_2"`
}

// ParseMeta decodes the embedded meta file.
func ParseMeta() (*Meta, error) {
	var m Meta
	if err := json.Unmarshal(metaJSON, &m); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", MetaFileName, err)
	}
	return &m, nil
}

// StageSchema returns the schema osbuild validates a manifest's stage object
// against, built from the meta file the way osbuild's ModuleInfo.get_schema
// does for format version 2: the type must be org.osbuild.qm, options follow
// schema_2.options, mounts default to an array, nothing else is allowed, and
// the options' definitions move to the top so that "#/definitions/…" resolve.
func StageSchema() ([]byte, error) {
	var meta struct {
		Schema2 map[string]map[string]any `json:"schema_2"`
	}
	if err := json.Unmarshal(metaJSON, &meta); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", MetaFileName, err)
	}
	props := map[string]any{"type": map[string]any{"enum": []string{StageName}}}
	for k, v := range meta.Schema2 {
		props[k] = v
	}
	if _, ok := props["mounts"]; !ok {
		props["mounts"] = map[string]any{"type": "array"}
	}
	schema := map[string]any{
		"title":                "Pipeline Stage",
		"type":                 "object",
		"additionalProperties": false,
		"properties":           props,
		"required":             []string{"type"},
	}
	if opts, ok := meta.Schema2["options"]; ok {
		if defs, ok := opts["definitions"]; ok {
			schema["definitions"] = defs
			delete(opts, "definitions")
		}
	}
	return json.Marshal(schema)
}
