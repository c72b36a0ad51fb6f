package manifest

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLnStage(t *testing.T) {
	s := newLnStage(&lnStageOptions{Paths: []lnStagePath{{Target: "/usr/lib/systemd/system/a.service", LinkName: "tree:///etc/systemd/system/multi-user.target.wants/a.service", Symbolic: true}}})
	b, err := json.Marshal(s)
	require.NoError(t, err)
	// osbuild's schema (stages/org.osbuild.ln.meta.json): paths[] of target,
	// link_name (tree:// or mount://), symbolic.
	require.JSONEq(t, `{"type": "org.osbuild.ln", "options": {"paths": [{"target": "/usr/lib/systemd/system/a.service", "link_name": "tree:///etc/systemd/system/multi-user.target.wants/a.service", "symbolic": true}]}}`, string(b))

	for name, o := range map[string]*lnStageOptions{
		"no paths":           {},
		"no target":          {Paths: []lnStagePath{{LinkName: "tree:///a"}}},
		"a plain link name":  {Paths: []lnStagePath{{Target: "b", LinkName: "/a"}}},
		"an input link name": {Paths: []lnStagePath{{Target: "b", LinkName: "input://x/a"}}},
	} {
		t.Run(name, func(t *testing.T) {
			require.Error(t, o.validate())
			require.Panics(t, func() { newLnStage(o) })
		})
	}
}
