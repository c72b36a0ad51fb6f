package stages

// The pipelines. Each list is the whole story of its command, in order.

// BuildStages are the stages of `qm-build build`, in order.
func BuildStages() []Stage {
	return []Stage{
		Compose,
		// Issues add their stages here, in pipeline order:
		//   selinux-policy (before compose), rpms, payload, the tree stages,
		//   finish-tree, repo, manifest, blueprint, check.
	}
}

// RootfsStages are the stages of `qm-build rootfs` and of the org.osbuild.qm
// osbuild stage: everything that writes QM's content into an image tree.
func RootfsStages() []Stage {
	return []Stage{
		Compose,
	}
}
