package stages

// The pipelines. Each list is the whole story of its command, in order.

// BuildStages are the stages of `qm-build build`, in order.
func BuildStages() []Stage {
	return []Stage{
		SELinuxPolicy,
		Facts,
		Compose,
		RPMs,
		Payload,
		Skeleton,
		NestedConfig,
		QuadletDropins,
		BlueChi,
		Seccomp,
		FinishTree,
		Repo,
		Manifest,
		Blueprint,
		Check,
	}
}

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
