package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/osbuild/images/pkg/osbuild"
)

// rawManifest is an osbuild v2 manifest with stages and source items kept as
// JSON. images' pipelines cannot be implemented outside images and its
// Manifest cannot be decoded again (osbuild.md §6), so qm-build serializes
// images' pipelines, then adds its own typed stages here.
type rawManifest struct {
	Version   string               `json:"version"`
	Pipelines []rawPipeline        `json:"pipelines"`
	Sources   map[string]rawSource `json:"sources"`
}

type rawPipeline struct {
	Name   string            `json:"name,omitempty"`
	Build  string            `json:"build,omitempty"`
	Runner string            `json:"runner,omitempty"`
	Stages []json.RawMessage `json:"stages,omitempty"`
}

type rawSource struct {
	Items map[string]json.RawMessage `json:"items"`
}

// stageHead is what qm-build reads of a stage it did not make.
type stageHead struct {
	Type string `json:"type"`
}

func (p *rawPipeline) addStages(stages []any) error {
	for _, s := range stages {
		b, err := json.Marshal(s)
		if err != nil {
			return fmt.Errorf("encoding a %s stage: %w", p.Name, err)
		}
		p.Stages = append(p.Stages, b)
	}
	return nil
}

// insertPipelineBefore puts p right before the named pipeline: osbuild
// resolves name: references only against pipelines listed earlier.
func (m *rawManifest) insertPipelineBefore(name string, p rawPipeline) error {
	for i, q := range m.Pipelines {
		if q.Name == name {
			m.Pipelines = append(m.Pipelines[:i], append([]rawPipeline{p}, m.Pipelines[i:]...)...)
			return nil
		}
	}
	return fmt.Errorf("manifest has no %s pipeline", name)
}

// inject inserts stages into the named pipeline next to its last stage of
// type typ: before it, or after it when after is set.
func (m *rawManifest) inject(pipeline, typ string, after bool, stages []any) error {
	if len(stages) == 0 {
		return nil
	}
	for i := range m.Pipelines {
		p := &m.Pipelines[i]
		if p.Name != pipeline {
			continue
		}
		at := -1
		for j, raw := range p.Stages {
			var h stageHead
			if err := json.Unmarshal(raw, &h); err != nil {
				return fmt.Errorf("decoding stage %d of %s: %w", j, pipeline, err)
			}
			if h.Type == typ {
				at = j
			}
		}
		if at < 0 {
			return fmt.Errorf("pipeline %s has no %s stage", pipeline, typ)
		}
		if after {
			at++
		}
		tail := append([]json.RawMessage(nil), p.Stages[at:]...)
		p.Stages = p.Stages[:at]
		if err := p.addStages(stages); err != nil {
			return err
		}
		p.Stages = append(p.Stages, tail...)
		return nil
	}
	return fmt.Errorf("manifest has no %s pipeline", pipeline)
}

// mergeSources adds items to the manifest's sources. The same item twice
// must be the same data (items are content-addressed).
func (m *rawManifest) mergeSources(add osbuild.Sources) error {
	b, err := json.Marshal(add)
	if err != nil {
		return err
	}
	var extra map[string]rawSource
	if err := json.Unmarshal(b, &extra); err != nil {
		return err
	}
	if m.Sources == nil {
		m.Sources = map[string]rawSource{}
	}
	for kind, src := range extra {
		have, ok := m.Sources[kind]
		if !ok || have.Items == nil {
			have = rawSource{Items: map[string]json.RawMessage{}}
		}
		for id, item := range src.Items {
			if prev, dup := have.Items[id]; dup && !bytes.Equal(compact(prev), compact(item)) {
				return fmt.Errorf("source %s item %s differs between pipelines", kind, id)
			}
			have.Items[id] = item
		}
		m.Sources[kind] = have
	}
	return nil
}

func compact(b []byte) []byte {
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		return b
	}
	return out.Bytes()
}
