package manifest

import (
	"fmt"

	"github.com/qm-build/qm-build/blueprints/qmstage"
	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
)

// qmStage is an org.osbuild.qm stage as it appears in a manifest: qm-build
// itself as an osbuild stage (stages/osbuildstage; its options contract is blueprints/qmstage), whose options schema is
// org.osbuild.qm.meta.json and whose options are qmstage.Options.
type qmStage struct {
	Type    string           `json:"type"`
	Options *qmstage.Options `json:"options"`
}

// newQMStage returns the stage for a plan (contract 6): the options are
// qmstage.OptionsFromPlan. A drop-in from --dropin-dir is bad input:
// the stage knows only the built-in catalog.
func newQMStage(p *rootfs.Plan) (*qmStage, error) {
	if err := qmstage.BuiltinOnly(p); err != nil {
		return nil, err
	}
	o := qmstage.OptionsFromPlan(p)
	s := &qmStage{Type: qmstage.StageName, Options: &o}
	return s, s.validate(p)
}

// validate makes the plan from the options the way the stage does and
// checks it is the manifest's (same version, release and drop-ins).
func (s *qmStage) validate(want *rootfs.Plan) error {
	cat, err := rpmspec.Builtin()
	if err != nil {
		return err
	}
	p, err := s.Options.Plan(cat)
	if err != nil {
		return fmt.Errorf("org.osbuild.qm options: %w", err)
	}
	if p.Version != want.Version || p.Release != want.Release || fmt.Sprint(p.DropinNames()) != fmt.Sprint(want.DropinNames()) {
		return fmt.Errorf("org.osbuild.qm options make qm %s-%s %v, the manifest has %s-%s %v",
			p.Version, p.Release, p.DropinNames(), want.Version, want.Release, want.DropinNames())
	}
	return nil
}
