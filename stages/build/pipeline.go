package build

import "github.com/qm-build/qm-build/stages"

// Stages are the stages of `qm-build build`, in order: the stages of
// `qm-build rootfs` (stages.RootfsStages) with the ones that write OUT/
// (this package) in between.
func Stages() []stages.Stage {
	return []stages.Stage{
		stages.SELinuxPolicy,
		stages.Facts,
		stages.Compose,
		RPMs,
		stages.Payload,
		stages.Skeleton,
		stages.NestedConfig,
		stages.QuadletDropins,
		stages.BlueChi,
		stages.Seccomp,
		stages.NestedImages,
		stages.FinishTree,
		Repo,
		Manifest,
		Blueprint,
		SBOM,
		Check,
	}
}
