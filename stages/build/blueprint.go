package build

import (
	"bytes"
	"context"

	"github.com/qm-build/qm-build/blueprints"
	"github.com/qm-build/qm-build/stages"
)

// BlueprintFile is the blueprint stage's output, under OutDir.
const BlueprintFile = "blueprint.toml"

// Blueprint writes OUT/blueprint.toml: the blueprint fragment that adds this
// build's QM to an image (blueprints.NewFragment), to merge with `qm-build
// blueprint merge`.
var Blueprint = stages.Stage{
	Name:   "blueprint",
	Reads:  []string{"content"},
	Writes: []string{"out:" + BlueprintFile},
	Run: func(ctx context.Context, b *stages.Build) error {
		if b.OutDir == "" {
			return nil
		}
		f, err := blueprints.NewFragment(b.Content, "qm")
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := blueprints.EncodeTOML(&buf, &f.Blueprint, f.Header("qm-build build")...); err != nil {
			return err
		}
		if err := writeOut(b.OutDir, BlueprintFile, buf.Bytes()); err != nil {
			return err
		}
		b.AddArtifact("blueprint", "blueprint", BlueprintFile, buf.Bytes())
		return nil
	},
}
