package manifest

import (
	"fmt"
	"strings"
)

// lnStageOptions are the options of org.osbuild.ln, which images does not
// model. The json tags spell osbuild's schema (stages/org.osbuild.ln.meta.json,
// schema_2.options): paths[] of {target, link_name, symbolic}, link_name a
// tree:// or mount:// URL.
type lnStageOptions struct {
	Paths []lnStagePath `json:"paths"`
}

type lnStagePath struct {
	Target   string `json:"target"`
	LinkName string `json:"link_name"`
	Symbolic bool   `json:"symbolic,omitempty"`
}

// validate checks what the schema requires: at least one path, a target, and
// a link name that is a tree:// or mount:// URL.
func (o *lnStageOptions) validate() error {
	if len(o.Paths) == 0 {
		return fmt.Errorf("org.osbuild.ln needs at least one path")
	}
	for _, p := range o.Paths {
		if p.Target == "" {
			return fmt.Errorf("link %q has no target", p.LinkName)
		}
		if !strings.HasPrefix(p.LinkName, "tree://") && !strings.HasPrefix(p.LinkName, "mount://") {
			return fmt.Errorf("link name %q is not a tree:// or mount:// URL", p.LinkName)
		}
	}
	return nil
}

// lnStage is an org.osbuild.ln stage as it appears in a manifest.
type lnStage struct {
	Type    string          `json:"type"`
	Options *lnStageOptions `json:"options"`
}

// newLnStage returns an org.osbuild.ln stage. Invalid options are a
// programmer error and panic, as images' stage constructors do.
func newLnStage(o *lnStageOptions) *lnStage {
	if err := o.validate(); err != nil {
		panic(err)
	}
	return &lnStage{Type: "org.osbuild.ln", Options: o}
}
