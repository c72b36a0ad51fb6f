package manifest

import (
	"github.com/qm-build/qm-build/blueprints/qmstage"
	"github.com/qm-build/qm-build/rootfs"
)

// qmStage is an org.osbuild.qm stage as it appears in a manifest: qm-build
// itself as an osbuild stage (cmd/org.osbuild.qm), whose options schema is
// org.osbuild.qm.meta.json and whose options are rootfs.Options
// (blueprints/qmstage).
type qmStage struct {
	Type    string          `json:"type"`
	Options *rootfs.Options `json:"options"`
}

// newQMStage returns the stage for a plan (contract 6): the options are
// qmstage.OptionsFromPlan, which the stage makes the same plan from (its
// tests check the round trip). A drop-in from --dropin-dir is bad input: the
// stage knows only the built-in catalog.
func newQMStage(p *rootfs.Plan) (*qmStage, error) {
	if err := qmstage.BuiltinOnly(p); err != nil {
		return nil, err
	}
	o := qmstage.OptionsFromPlan(p)
	return &qmStage{Type: qmstage.StageName, Options: &o}, nil
}
