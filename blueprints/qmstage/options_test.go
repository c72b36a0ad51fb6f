package qmstage

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/test/golden"
)

// TestOptionsFromPlanGolden pins the stage options qm-build puts into
// manifests. Manifests outlive qm-build versions: a renamed option breaks
// every manifest that uses it, so a change here must be deliberate
// (go test ./stages/osbuildstage -update).
func TestOptionsFromPlanGolden(t *testing.T) {
	cat, err := rpmspec.Builtin()
	require.NoError(t, err)
	p, err := rootfs.NewPlan(rootfs.Options{
		Version: "1.2", Release: "3", Dropins: []string{"text2speech", "kvm"},
		Images: map[string]string{"kvm": "localhost/kvm:9"}, MemoryMax: "2G", MemoryHigh: "80%", CPUWeight: "20",
		Writable: true, Network: "none", VarPartition: true, Timezone: "Europe/Rome", Volumes: []string{"/srv:/srv:ro"},
		Devices: []string{"/dev/ttyUSB3"}, Hostname: "ecu", Controller: rootfs.Controller{Host: "10.0.0.1", Port: 2020},
	}, cat)
	require.NoError(t, err)
	got, err := json.MarshalIndent(OptionsFromPlan(p), "", "  ")
	require.NoError(t, err)
	got = append(got, '\n')
	golden.Check(t, filepath.Join("testdata", "options-from-plan.json"), got)
	ok, verr := schemaAccepts(t, compileStageSchema(t), string(got))
	require.True(t, ok, "%v", verr)
}
