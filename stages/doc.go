// Package stages is qm-build's build pipeline. A Stage is a value: a name, what
// it reads and writes, and a Run function over a Build context. pipeline.go
// lists every stage of `qm-build build` in order, in one place; the stages of
// `qm-build rootfs` and of the org.osbuild.qm osbuild stage are a sub-list.
//
// The sub-packages are the stages' larger parts: check (the offline gate),
// publish (repodata, mirrors, OCI) and osbuildstage (org.osbuild.qm, the
// osbuild stage). The format models they write (unit files, quadlet, BlueChi,
// seccomp) are under rootfs/, the model that composes them.
package stages
