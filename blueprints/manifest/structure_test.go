package manifest

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/qm-build/qm-build/blueprints"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
)

// Decoded manifest, generically: what osbuild itself reads.
type mfDoc struct {
	Version   string              `json:"version"`
	Pipelines []mfPipeline        `json:"pipelines"`
	Sources   map[string]mfSource `json:"sources"`
}

type mfPipeline struct {
	Name   string    `json:"name"`
	Build  string    `json:"build"`
	Runner string    `json:"runner"`
	Stages []mfStage `json:"stages"`
}

type mfStage struct {
	Type    string                     `json:"type"`
	Inputs  map[string]mfInput         `json:"inputs"`
	Options map[string]json.RawMessage `json:"options"`
}

type mfInput struct {
	Type       string          `json:"type"`
	Origin     string          `json:"origin"`
	References json.RawMessage `json:"references"`
}

type mfSource struct {
	Items map[string]json.RawMessage `json:"items"`
}

// ids lists an input's references, whichever of osbuild's forms it takes:
// ["id", …], [{"id": …}, …] or {"id": {…}, …}.
func (in mfInput) ids(t testing.TB) []string {
	var strs []string
	if json.Unmarshal(in.References, &strs) == nil {
		return strs
	}
	var objs []struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(in.References, &objs) == nil {
		out := make([]string, len(objs))
		for i, o := range objs {
			out[i] = o.ID
		}
		return out
	}
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(in.References, &m))
	return slices.Sorted(maps.Keys(m))
}

func decodeManifest(t testing.TB, data []byte) mfDoc {
	t.Helper()
	var d mfDoc
	require.NoError(t, json.Unmarshal(data, &d))
	return d
}

func (d mfDoc) pipeline(t testing.TB, name string) mfPipeline {
	t.Helper()
	for _, p := range d.Pipelines {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no %s pipeline", name)
	return mfPipeline{}
}

// index is the position of the last stage of type typ satisfying pred.
func (p mfPipeline) index(typ string, pred func(mfStage) bool) int {
	at := -1
	for i, s := range p.Stages {
		if s.Type == typ && (pred == nil || pred(s)) {
			at = i
		}
	}
	return at
}

// first is the position of the first stage of type typ satisfying pred.
func (p mfPipeline) first(typ string, pred func(mfStage) bool) int {
	for i, s := range p.Stages {
		if s.Type == typ && (pred == nil || pred(s)) {
			return i
		}
	}
	return -1
}

// osbuildStages reads testdata/osbuild-stages.txt.
func osbuildStages(t testing.TB) map[string]bool {
	f, err := os.Open("testdata/osbuild-stages.txt")
	require.NoError(t, err)
	defer f.Close()
	out := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			out[l] = true
		}
	}
	return out
}

// copies maps each tree:// destination of a pipeline's org.osbuild.copy
// stages to the source item it copies.
func copies(t testing.TB, p mfPipeline) map[string]string {
	out := map[string]string{}
	for _, s := range p.Stages {
		if s.Type != "org.osbuild.copy" {
			continue
		}
		var paths []struct{ From, To string }
		require.NoError(t, json.Unmarshal(s.Options["paths"], &paths))
		for _, cp := range paths {
			if i := strings.Index(cp.From, "/sha256:"); i >= 0 {
				out[strings.TrimPrefix(cp.To, "tree://")] = cp.From[i+1:]
			}
		}
	}
	return out
}

func mkdirs(t testing.TB, p mfPipeline) map[string]bool {
	out := map[string]bool{}
	for _, s := range p.Stages {
		if s.Type != "org.osbuild.mkdir" {
			continue
		}
		var paths []struct{ Path string }
		require.NoError(t, json.Unmarshal(s.Options["paths"], &paths))
		for _, d := range paths {
			out[d.Path] = true
		}
	}
	return out
}

func links(t testing.TB, p mfPipeline) map[string]string {
	out := map[string]string{}
	for _, s := range p.Stages {
		if s.Type != "org.osbuild.ln" {
			continue
		}
		var o lnStageOptions
		require.NoError(t, json.Unmarshal(mustJSON(t, s.Options), &o))
		require.NoError(t, o.validate())
		for _, l := range o.Paths {
			out[strings.TrimPrefix(l.LinkName, "tree://")] = l.Target
		}
	}
	return out
}

func mustJSON(t testing.TB, v any) []byte {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

// requireWellFormed asserts the structural promises of a qm-build manifest
// on its decoded JSON, for content c and target arch.
func requireWellFormed(t *testing.T, data []byte, c *rootfs.Content, arch string, extraStages ...string) {
	t.Helper()
	d := decodeManifest(t, data)
	require.Equal(t, "2", d.Version)
	t.Run("pipeline order", func(t *testing.T) {
		var names []string
		for _, p := range d.Pipelines {
			names = append(names, p.Name)
		}
		require.Equal(t, []string{blueprints.PipelineBuild, blueprints.PipelineQMRootfs, blueprints.PipelineOS}, names)
	})
	t.Run("the QM copy precedes selinux", func(t *testing.T) {
		osp := d.pipeline(t, blueprints.PipelineOS)
		copyAt := osp.index("org.osbuild.copy", func(s mfStage) bool {
			in, ok := s.Inputs["tree"]
			return ok && strings.Contains(string(in.References), `"name:qm_rootfs"`)
		})
		selinuxAt := osp.index("org.osbuild.selinux", nil)
		require.GreaterOrEqual(t, copyAt, 0)
		require.Greater(t, selinuxAt, copyAt)
		require.Equal(t, len(osp.Stages)-1, selinuxAt, "selinux is the last stage of os")
		mkdirAt := osp.first("org.osbuild.mkdir", func(s mfStage) bool { return strings.Contains(string(s.Options["paths"]), `"/usr/lib/qm/rootfs"`) })
		require.True(t, mkdirAt >= 0 && mkdirAt < copyAt, "QM's directories are made before the copy")
		var paths []struct{ From, To string }
		require.NoError(t, json.Unmarshal(osp.Stages[copyAt].Options["paths"], &paths))
		require.Equal(t, []struct{ From, To string }{
			{"input://tree/", "tree:///usr/lib/qm/rootfs/"},
			{"input://tree/etc/", "tree:///etc/qm/"},
			{"input://tree/var/", "tree:///var/qm/"},
		}, paths)
	})
	t.Run("every reference resolves to an earlier pipeline", func(t *testing.T) {
		seen := map[string]bool{}
		for _, p := range d.Pipelines {
			if p.Build != "" {
				require.True(t, seen[strings.TrimPrefix(p.Build, "name:")], "%s: build %s", p.Name, p.Build)
			}
			for i, s := range p.Stages {
				for key, in := range s.Inputs {
					if in.Origin != "org.osbuild.pipeline" {
						continue
					}
					for _, ref := range in.ids(t) {
						require.True(t, strings.HasPrefix(ref, "name:"), ref)
						require.True(t, seen[strings.TrimPrefix(ref, "name:")], "%s stage %d input %s: %s is not earlier", p.Name, i, key, ref)
					}
				}
				for _, u := range inputURLs(t, s) {
					name := strings.SplitN(strings.TrimPrefix(u, "input://"), "/", 2)[0]
					require.Contains(t, s.Inputs, name, "%s stage %d: %s names no input", p.Name, i, u)
				}
			}
			seen[p.Name] = true
		}
	})
	t.Run("every source item exists and matches", func(t *testing.T) {
		for _, p := range d.Pipelines {
			for _, s := range p.Stages {
				for _, in := range s.Inputs {
					if in.Origin != "org.osbuild.source" {
						continue
					}
					for _, id := range in.ids(t) {
						requireSourceItem(t, d, id)
					}
				}
			}
		}
	})
	t.Run("one architecture", func(t *testing.T) {
		other := map[string]string{"x86_64": "aarch64", "aarch64": "x86_64"}[arch]
		require.NotContains(t, string(data), other)
	})
	t.Run("only stages osbuild has", func(t *testing.T) {
		known := osbuildStages(t)
		for _, s := range extraStages {
			known[s] = true
		}
		for _, p := range d.Pipelines {
			for _, s := range p.Stages {
				require.True(t, known[s.Type], "%s: %s is not an osbuild stage", p.Name, s.Type)
			}
		}
	})
	if len(extraStages) == 0 {
		t.Run("every tree file is delivered", func(t *testing.T) { requireTreeDelivered(t, d, c) })
	}
}

// inputURLs are the input:// URLs in a stage's options.paths.
func inputURLs(t testing.TB, s mfStage) []string {
	var paths []map[string]any
	if json.Unmarshal(s.Options["paths"], &paths) != nil {
		return nil
	}
	var out []string
	for _, p := range paths {
		if from, ok := p["from"].(string); ok && strings.HasPrefix(from, "input://") {
			out = append(out, from)
		}
	}
	return out
}

func requireSourceItem(t testing.TB, d mfDoc, id string) {
	t.Helper()
	if raw, ok := d.Sources["org.osbuild.inline"].Items[id]; ok {
		var item struct{ Encoding, Data string }
		require.NoError(t, json.Unmarshal(raw, &item))
		require.Equal(t, "base64", item.Encoding)
		data, err := base64.StdEncoding.DecodeString(item.Data)
		require.NoError(t, err)
		sum := sha256.Sum256(data)
		require.Equal(t, id, "sha256:"+hex.EncodeToString(sum[:]), "inline item's data does not hash to its id")
		return
	}
	if _, ok := d.Sources["org.osbuild.containers-storage"].Items[id]; ok {
		return // an image ID of the build host's container storage (nested_test.go)
	}
	raw, ok := d.Sources["org.osbuild.curl"].Items[id]
	require.True(t, ok, "source item %s is in no source", id)
	require.True(t, bytes.Contains(raw, []byte(".rpm")), "curl item %s: %s", id, raw)
}

// requireTreeDelivered: every rootfs-relative tree file is delivered by an
// inline source in qm_rootfs, every host-side one in os; directories are
// made and links linked in the right pipeline; modes are set.
func requireTreeDelivered(t *testing.T, d mfDoc, c *rootfs.Content) {
	qm, osp := d.pipeline(t, blueprints.PipelineQMRootfs), d.pipeline(t, blueprints.PipelineOS)
	for _, tf := range c.Tree {
		target, p := tf.Path, osp
		if rp, ok := rootfsPath(tf.Path); ok && !(tf.Kind == rpmspec.KindDir && isQMMount(tf.Path)) {
			target, p = rp, qm
		}
		switch {
		case tf.Flags&rpmspec.FlagGhost != 0 && tf.Kind != rpmspec.KindDir:
		case tf.Kind == rpmspec.KindDir:
			if target != "/" {
				require.True(t, mkdirs(t, p)[target], "%s: directory %s (for %s) is not made", p.Name, target, tf.Path)
			}
		case tf.Kind == rpmspec.KindSymlink:
			require.Equal(t, tf.Target, links(t, p)[target], "%s: link %s (for %s)", p.Name, target, tf.Path)
		default:
			item, ok := copies(t, p)[target]
			require.True(t, ok, "%s: %s (for %s) is not copied in", p.Name, target, tf.Path)
			sum := sha256.Sum256(tf.Body)
			require.Equal(t, "sha256:"+hex.EncodeToString(sum[:]), item, "%s: %s", p.Name, tf.Path)
			_, inline := d.Sources["org.osbuild.inline"].Items[item]
			require.True(t, inline, "%s: %s comes from no inline source", p.Name, tf.Path)
		}
	}
}
