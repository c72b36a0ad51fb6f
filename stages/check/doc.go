// Package check is qm-build's offline gate: it reads a finished image (or a
// set of packages) and reports whether it keeps the freedom-from-interference
// promises that upstream QM only tests at runtime, in a booted VM (the FFI
// tests listed in containers/qm's tmt plans).
//
// Image rules judge the effective configuration the booted image runs, not
// the files one at a time (qmview.go, effective_*.go; docs/check.md): quadlet
// generates qm.service from qm.container and every drop-in it reads
// (rootfs/quadlet), systemd loads that unit with its drop-ins and expands its
// ExecStart= (rootfs/systemd), podman reads the command line with its flag
// semantics (rootfs/podman), the host's containers.conf chain
// (rootfs/containersconf) and the OCI hooks that match QM's container
// (rootfs/ocihooks); the host's SELinux mode comes from its config and every
// kernel command line (rootfs/kargs). Each fact carries the chain of files and
// lines that produced it, and so does every finding (Finding.Chain).
//
// The rules are one explicit, ordered slice (Rules), one file per rule
// (qm<ID>_<topic>.go). Each rule has a stable ID, a severity, a one-line title
// and a rationale naming the FFI property it protects. Errors and warnings are
// kept apart in the Report; the profile (default or strict) decides which
// severity fails.
//
// Expected values come from the model: the quadlet emitter's paths and keys
// (rootfs/quadlet), the seccomp rules (rootfs/seccomp), the SELinux contexts
// (selinux), the forbidden devices (rootfs.ForbiddenDevices), the OCI hooks'
// annotation table (rootfs/ocihooks), the drop-in declarations installed in
// the image (rootfs.Declaration) and qm-build's catalog, and a Policy built
// from the build plan or from an allow file (ParseAllow).
//
// Package target opens targets; this package never sees a host path.
package check
