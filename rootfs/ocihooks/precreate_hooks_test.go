package ocihooks

import (
	"bytes"
	"encoding/json"
	"path"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/test/golden"
)

// podmanHook is the hooks.d format podman 4 and 5 load (pkg/hooks/1.0.0,
// oci-hooks(5)), decoded strictly as podman does.
type podmanHook struct {
	Version string `json:"version"`
	Hook    struct {
		Path    string   `json:"path"`
		Args    []string `json:"args"`
		Env     []string `json:"env"`
		Timeout *int     `json:"timeout"`
	} `json:"hook"`
	When struct {
		Always        *bool             `json:"always"`
		Annotations   map[string]string `json:"annotations"`
		Commands      []string          `json:"commands"`
		HasBindMounts *bool             `json:"hasBindMounts"`
	} `json:"when"`
	Stages []string `json:"stages"`
}

// podmanStages are the stages podman's hook loader accepts: the OCI
// runtime's and podman's own precreate.
var podmanStages = map[string]bool{
	"prestart": true, "createRuntime": true, "createContainer": true, "startContainer": true,
	"poststart": true, "poststop": true, "precreate": true,
}

// TestPrecreateHooksFollowPodmansRules checks each configuration against the
// rules of podman's loader (pkg/hooks/1.0.0 Validate): version 1.0.0, an
// absolute program path, at least one condition, regular expressions that
// compile (podman compiles them with Go's regexp too), known stages.
func TestPrecreateHooksFollowPodmansRules(t *testing.T) {
	for _, h := range PrecreateHooks() {
		t.Run(h.File, func(t *testing.T) {
			dec := json.NewDecoder(bytes.NewReader(h.JSON()))
			dec.DisallowUnknownFields()
			var c podmanHook
			require.NoError(t, dec.Decode(&c))
			require.Equal(t, "1.0.0", c.Version)
			require.True(t, path.IsAbs(c.Hook.Path) && path.Clean(c.Hook.Path) == c.Hook.Path)
			require.Equal(t, ProgramPath, c.Hook.Path)
			require.Equal(t, []string{"qm-oci-hook", h.Arg}, c.Hook.Args)
			require.NotEmpty(t, c.When.Annotations, "a hook with no condition would never run")
			for k, v := range c.When.Annotations {
				_, err := regexp.Compile(k)
				require.NoError(t, err)
				_, err = regexp.Compile(v)
				require.NoError(t, err)
			}
			require.Equal(t, []string{"precreate"}, c.Stages)
			for _, s := range c.Stages {
				require.True(t, podmanStages[s], s)
			}
			golden.Check(t, filepath.Join("testdata", h.File), h.JSON())
		})
	}
}

// TestPrecreateHooksCoverTheTable: every annotation of the table makes
// exactly one configuration match (so podman runs the program once for it),
// and that configuration's argument makes the program handle it.
func TestPrecreateHooksCoverTheTable(t *testing.T) {
	for _, g := range Annotations() {
		var matched []string
		for _, h := range PrecreateHooks() {
			if regexp.MustCompile(h.KeyPattern()).MatchString(g.Key) {
				matched = append(matched, h.File)
				require.True(t, h.Handles(g.Key), "%s matches %s but its program run would ignore it", h.File, g.Key)
			} else {
				require.False(t, h.Handles(g.Key), "%s handles %s but podman would never run it for that key", h.File, g.Key)
			}
		}
		require.Len(t, matched, 1, g.Key)
	}
	// Upstream's configuration names, so that either package's files replace
	// the other's.
	var files []string
	for _, h := range PrecreateHooks() {
		files = append(files, h.File)
	}
	require.Equal(t, []string{"oci-qm-device-manager.json", "oci-qm-seat-manager.json", "oci-qm-wayland-client-devices.json"}, files)
	_, ok := LookupPrecreateHook("nosuch")
	require.False(t, ok)
}
