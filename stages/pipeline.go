package stages

// The pipelines of the commands that write QM's content. Each list is the
// whole story of its command, in order; the pipeline of `qm-build build`,
// which adds the stages writing OUT/, is stages/build.Stages.

// RootfsStages are the stages of `qm-build rootfs` and of the org.osbuild.qm
// osbuild stage: everything that writes QM's content into an image tree.
func RootfsStages() []Stage {
	return []Stage{
		SELinuxPolicy,
		Facts,
		Compose,
		Payload,
		Skeleton,
		NestedConfig,
		QuadletDropins,
		BlueChi,
		Seccomp,
		NestedImages,
		FinishTree,
	}
}

// PackageStages are what `qm-build rpm` and `qm-build spec` run before they
// write: every stage the packages' content depends on, ending with compose.
func PackageStages() []Stage {
	return []Stage{
		SELinuxPolicy,
		Compose,
	}
}
