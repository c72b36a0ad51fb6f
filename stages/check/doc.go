// Package check is qm-build's offline gate: it reads a finished image (or a
// set of packages) and reports whether it keeps the freedom-from-interference
// promises that upstream QM only tests at runtime, in a booted VM (the FFI
// tests listed in containers/qm's tmt plans).
//
// The rules are one explicit, ordered slice (Rules), one file per rule
// (qm<ID>_<topic>.go). Each rule has a stable ID, a severity, a one-line title
// and a rationale naming the FFI property it protects. A rule is a function
// from a Context (the opened target, the expectations, lazily read facts such
// as QM's merged quadlet) to findings; each finding names the file, and the
// line for unit files. Errors and warnings are kept apart in the Report; the
// profile (default or strict) decides which severity fails.
//
// Expected values come from the model: the quadlet emitter's paths and keys
// (rootfs/quadlet), the seccomp rules (rootfs/seccomp), the SELinux contexts
// (selinux), the drop-in declarations installed in the image
// (rootfs.Declaration), and a Policy built from the build plan or from an
// allow file (ParseAllow).
//
// Package target opens targets; this package never sees a host path.
package check
