// Package stages is qm-build's build pipeline. A Stage is a value: a name, what
// it reads and writes, and a Run function over a Build context. pipeline.go
// lists every stage of `qm-build build` in order, in one place; the stages of
// `qm-build rootfs` and of the org.osbuild.qm osbuild stage are a sub-list.
//
// The sub-packages are the emitters the stages call, one concept each:
// unitfile (systemd unit-file model), quadlet (qm.container), bluechi,
// seccomp, check (the offline gate), publish (repodata, mirrors, OCI).
package stages
