// Package seccomp writes QM's seccomp profile, /usr/share/qm/seccomp-no-rt.json
// (qm.container's SeccompProfile=), which keeps QM from realtime scheduling:
//
//   - sched_setattr(2) fails with EPERM;
//   - sched_setscheduler(2) is allowed only when its policy argument (index 1)
//     is SCHED_OTHER (0), SCHED_BATCH (3) or SCHED_IDLE (5); any other policy,
//     SCHED_FIFO (1) and SCHED_RR (2) included, gets the profile's default
//     action.
//
// Upstream QM derives the profile in %post from the host's
// /usr/share/containers/seccomp.json (containers/qm create-seccomp-rules).
// qm-build does the same at build time from the target tree's copy (Derive),
// keeping every other rule as it is. A tree without one gets the project's own
// profile (Own): the same realtime rules on top of an allow-list written for
// QM's systemd and podman, which also denies, with EPERM, what a partition must
// never do to its host even with every capability: load kernel modules,
// kexec, reboot, swap, set the clock, process accounting, raw port I/O and
// open_by_handle_at (the "shocker" container escape).
//
// The format is containers/common's seccomp.json (containers-common's
// pkg/seccomp: defaultAction, defaultErrnoRet, archMap, syscalls with names,
// action, errnoRet, args, includes, excludes), which podman reads.
package seccomp
