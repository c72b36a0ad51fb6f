package manifest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/blueprints"
	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/test/verifiers"
)

// osbuildSchema compiles one of osbuild's module schemas kept in
// testdata/osbuild-schemas (see testdata/README.md): part "options" or
// "inputs" of a stage's schema_2, or the whole schema of a source or input.
func osbuildSchema(t *testing.T, file, part string) *jsonschema.Schema {
	t.Helper()
	var meta struct {
		Schema  map[string]any `json:"schema"`
		Schema2 map[string]any `json:"schema_2"`
	}
	require.NoError(t, json.Unmarshal(readFile(t, filepath.Join("testdata", "osbuild-schemas", file)), &meta))
	doc := map[string]any{}
	switch {
	case meta.Schema2 != nil:
		for k, v := range meta.Schema2[part].(map[string]any) {
			doc[k] = v
		}
		doc["definitions"] = meta.Schema2["definitions"]
	case part == "options": // a version 1 stage schema describes the options
		for k, v := range meta.Schema {
			doc[k] = v
		}
	default:
		doc = meta.Schema
	}
	doc["type"] = "object"
	c := jsonschema.NewCompiler()
	require.NoError(t, c.AddResource(file, doc))
	s, err := c.Compile(file)
	require.NoError(t, err)
	return s
}

func requireSchemaValid(t *testing.T, s *jsonschema.Schema, raw []byte) {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	require.NoError(t, err)
	require.NoError(t, s.Validate(v), "%s", raw)
}

// TestNestedImagesManifest: a plan with nested images bakes them in
// qm_rootfs with osbuild's own stages, valid by osbuild's schemas, from the
// build host's container storage by image ID; the quadlet the manifest
// writes and the blueprint fragment pin the same digest.
func TestNestedImagesManifest(t *testing.T) {
	img := verifiers.OCIImage(t, map[string]string{"etc/kvm": "kvm\n"}, nil, "latest")
	o := rootfs.Options{Distro: "cs10", Arch: "x86_64", Dropins: []string{"kvm"}, NestedImages: map[string]string{"kvm": "oci:" + img.Layout}}
	c := compose(t, o)
	m, err := New(Options{Content: c})
	require.NoError(t, err)
	require.Contains(t, m.Requests()[0].Packages, blueprints.Want{Name: "skopeo"}, "the build root runs skopeo")

	lock := loadLock(t, m, kvmContent(t, "cs10", "x86_64"), "cs10", "x86_64")
	build := lock.Pipelines[blueprints.PipelineBuild]
	skopeo := build[0]
	skopeo.Name, skopeo.Location = "skopeo", "skopeo-1.18.0-1.stub.x86_64.rpm"
	skopeo.Checksum = rootfs.SHA256Digest([]byte("a stand-in for skopeo's RPM"))
	lock.Pipelines[blueprints.PipelineBuild] = append(build, skopeo)
	got, err := m.Serialize(lock)
	require.NoError(t, err)
	requireWellFormed(t, got, c, "x86_64")

	d := decodeManifest(t, got)
	qm := d.pipeline(t, blueprints.PipelineQMRootfs)
	at := qm.index("org.osbuild.skopeo", nil)
	require.GreaterOrEqual(t, at, 0)
	stage := qm.Stages[at]
	require.Equal(t, "org.osbuild.containers.storage.conf", qm.Stages[at+1].Type)
	raw := mustJSON(t, stage.Options)
	requireSchemaValid(t, osbuildSchema(t, "stages.org.osbuild.skopeo.meta.json", "options"), raw)
	require.JSONEq(t, `{"destination": {"type": "containers-storage", "storage-path": "/usr/share/containers/storage", "storage-driver": "overlay"}}`, string(raw))
	requireSchemaValid(t, osbuildSchema(t, "stages.org.osbuild.skopeo.meta.json", "inputs"), mustJSON(t, stage.Inputs))
	in := stage.Inputs["images"]
	requireSchemaValid(t, osbuildSchema(t, "inputs.org.osbuild.containers-storage.meta.json", ""), mustJSON(t, in))
	require.JSONEq(t, `{"`+img.ID+`": {"name": "quay.io/qm-images/kvm:latest"}}`, string(in.References))
	src, err := json.Marshal(d.Sources["org.osbuild.containers-storage"])
	require.NoError(t, err)
	requireSchemaValid(t, osbuildSchema(t, "sources.org.osbuild.containers-storage.meta.json", ""), src)
	require.JSONEq(t, `{"items": {"`+img.ID+`": {}}}`, string(src))
	conf := mustJSON(t, qm.Stages[at+1].Options)
	requireSchemaValid(t, osbuildSchema(t, "stages.org.osbuild.containers.storage.conf.meta.json", "options"), conf)
	require.Contains(t, string(conf), `"additionalimagestores":["/usr/share/containers/storage","/var/lib/shared"]`)

	// The same digest in the stage's comment, in the storage.conf the
	// manifest delivers and in the blueprint fragment's.
	pinned := "kvm: quay.io/qm-images/kvm@" + img.Digest + " (image ID " + img.ID + ")"
	require.Contains(t, string(conf), pinned)
	var delivered bool
	for _, item := range d.Sources["org.osbuild.inline"].Items {
		var it struct{ Data string }
		require.NoError(t, json.Unmarshal(item, &it))
		if b, err := base64.StdEncoding.DecodeString(it.Data); err == nil && strings.Contains(string(b), "# "+pinned) {
			delivered = true
		}
	}
	require.True(t, delivered, "the manifest delivers QM's storage.conf naming the image by digest")
	frag := qmFragment(t, o)
	var inFragment bool
	for _, f := range frag.Blueprint.Customizations.GetFiles() {
		if f.Path == rootfs.NestedStorageConf && strings.Contains(f.Data, "# "+pinned) {
			inFragment = true
		}
	}
	require.True(t, inFragment, "the fragment carries QM's storage.conf naming the image by digest")

	_, err = New(Options{Content: c, QMStage: true})
	require.ErrorContains(t, err, "leave out --qm-stage")
}
