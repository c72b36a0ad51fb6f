// Package stages is qm-build's build pipeline. A Stage is a value: a name, what
// it reads and writes, and a Run function over a Build context. pipeline.go
// lists the stages that write QM's content into a tree, in order: those of
// `qm-build rootfs` and of the org.osbuild.qm osbuild stage (RootfsStages),
// and those `qm-build rpm` and `spec` run before they write (PackageStages).
//
// The sub-packages are the stages' larger parts: build (the pipeline of
// `qm-build build` and the stages that write OUT/), check (the offline
// gate), publish (repodata, mirrors, OCI) and osbuildstage (org.osbuild.qm,
// the osbuild stage's runtime). The org.osbuild.qm program links this
// package and osbuildstage only, not build, check or publish. The format models they write (unit files, quadlet, BlueChi,
// seccomp) are under rootfs/, the model that composes them.
package stages
