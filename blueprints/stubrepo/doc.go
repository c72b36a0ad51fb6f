// Package stubrepo writes the offline package repositories qm-build's tests
// resolve against with the real dnf: stand-ins for the distribution packages
// QM's pipelines ask for (systemd, podman, selinux-policy-targeted,
// procps-ng, bluechi-agent, containers-common, …), with dependencies between
// them so that a resolution is a real closure, next to qm-build's own RPMs.
// It is test support: nothing outside tests imports it.
package stubrepo
