package build

import (
	"context"
	"fmt"
	"path"

	"github.com/qm-build/qm-build/blueprints/sbom"
	"github.com/qm-build/qm-build/stages"
)

// SBOMFile is the sbom stage's output, under OutDir.
const SBOMFile = "sbom.spdx.json"

// SBOM writes OUT/sbom.spdx.json: the SPDX 2.3 document of QM's partition
// (blueprints/sbom, docs/sbom.md) with the checksums of the RPMs the rpms
// stage wrote and QM's rootfs packages from the package lock the manifest
// stage reads (--packages-lock or $QM_BUILD_PACKAGES_LOCK); without a lock
// the document says it does not list them.
var SBOM = stages.Stage{
	Name:   "sbom",
	Reads:  []string{"content", "plan:nested images", "out:" + RPMsDir + "/", "--packages-lock or env:" + PackagesLockEnv},
	Writes: []string{"out:" + SBOMFile},
	Run: func(ctx context.Context, b *stages.Build) error {
		if b.OutDir == "" {
			return nil
		}
		lockFile := b.PackagesLock
		if lockFile == "" {
			lockFile = b.Getenv(PackagesLockEnv)
		}
		lock, err := sbom.ReadLock(lockFile)
		if err != nil {
			return err
		}
		sums := map[string]string{}
		for _, a := range b.Artifacts {
			if a.Kind != "rpm" {
				continue
			}
			for _, p := range b.Content.Packages {
				if path.Base(a.Path) == p.FileName() {
					sums[p.Name] = a.SHA256
				}
			}
		}
		d, err := sbom.New(sbom.Input{Content: b.Content, RPMs: sums, Lock: lock, Epoch: b.Epoch, Tool: "qm-build build"})
		if err != nil {
			return err
		}
		data, err := d.Encode()
		if err != nil {
			return err
		}
		if err := writeOut(b.OutDir, SBOMFile, data); err != nil {
			return fmt.Errorf("writing %s: %w", SBOMFile, err)
		}
		b.AddArtifact("sbom", "sbom", SBOMFile, data)
		if lock == nil {
			b.Notes = append(b.Notes, "sbom: QM's rootfs packages are not listed: give --packages-lock FILE (or set "+PackagesLockEnv+")")
		}
		return nil
	},
}
