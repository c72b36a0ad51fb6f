package seccomp

import (
	"bytes"
	_ "embed" // ownProfile
	"slices"
	"sort"
	"strings"
)

// The project's own base profile, for trees without
// /usr/share/containers/seccomp.json. Unknown and unlisted system calls fail
// with ENOSYS (38), so that C libraries fall back to older calls, as in
// containers' default profile. Names a kernel architecture lacks are skipped
// by the runtime's libseccomp.

// allowed are the system calls QM's systemd, podman and ordinary services
// need, by area. QM runs with nearly every capability (AddCapability=all), so
// capability-gated calls such as mount or unshare are simply listed; SELinux
// (qm_t) is the confinement that matters for them.
var allowed = map[string]string{
	"files": `access chdir chmod chown chown32 close close_range copy_file_range creat
		dup dup2 dup3 faccessat faccessat2 fadvise64 fadvise64_64 fallocate fchdir
		fchmod fchmodat fchmodat2 fchown fchown32 fchownat fcntl fcntl64 fdatasync
		fgetxattr flistxattr flock fremovexattr fsetxattr fstat fstat64 fstatat64
		fstatfs fstatfs64 fsync ftruncate ftruncate64 getcwd getdents getdents64
		getxattr inotify_add_watch inotify_init inotify_init1 inotify_rm_watch
		lchown lchown32 lgetxattr link linkat listxattr llistxattr lremovexattr
		lseek _llseek lsetxattr lstat lstat64 mkdir mkdirat mknod mknodat
		name_to_handle_at newfstatat open openat openat2 pread64 preadv preadv2
		pwrite64 pwritev pwritev2 read readahead readlink readlinkat readv
		removexattr rename renameat renameat2 rmdir sendfile sendfile64 setxattr
		splice stat stat64 statfs statfs64 statx symlink symlinkat sync
		sync_file_range syncfs tee truncate truncate64 umask
		unlink unlinkat utime utimensat utimensat_time64 utimes vmsplice write
		writev fanotify_init fanotify_mark arm_fadvise64_64 arm_sync_file_range`,
	"memory": `brk get_mempolicy madvise mbind membarrier memfd_create memfd_secret
		mincore mlock mlock2 mlockall mmap mmap2 mprotect mremap msync munlock
		munlockall munmap pkey_alloc pkey_free pkey_mprotect process_mrelease
		remap_file_pages set_mempolicy set_mempolicy_home_node`,
	"processes": `arch_prctl capget capset clone clone3 execve execveat exit exit_group
		fork futex futex_time64 futex_waitv get_robust_list getcpu getegid
		getegid32 geteuid geteuid32 getgid getgid32 getgroups getgroups32 getpgid
		getpgrp getpid getppid getpriority getrandom getresgid getresgid32
		getresuid getresuid32 getrlimit getrusage getsid gettid getuid getuid32
		ioprio_get ioprio_set kcmp kill personality pidfd_getfd pidfd_open
		pidfd_send_signal prctl prlimit64 process_madvise process_vm_readv
		process_vm_writev ptrace rseq sched_get_priority_max
		sched_get_priority_min sched_getaffinity sched_getattr sched_getparam
		sched_getscheduler sched_rr_get_interval sched_rr_get_interval_time64
		sched_setaffinity sched_setparam sched_yield seccomp set_robust_list
		set_thread_area set_tid_address set_tls setfsgid setfsgid32 setfsuid
		setfsuid32 setgid setgid32 setgroups setgroups32 setpgid setpriority
		setregid setregid32 setresgid setresgid32 setresuid setresuid32
		setreuid setreuid32 setrlimit setsid setuid setuid32 sysinfo tgkill
		times tkill ugetrlimit uname vfork wait4 waitid waitpid breakpoint
		cacheflush`,
	"containers": `bpf chroot fsconfig fsmount fsopen fspick keyctl add_key
		request_key landlock_add_rule landlock_create_ruleset
		landlock_restrict_self mount mount_setattr move_mount open_tree
		perf_event_open pivot_root quotactl quotactl_fd setdomainname sethostname
		setns umount umount2 unshare`,
	"signals": `alarm pause restart_syscall rt_sigaction rt_sigpending
		rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait
		rt_sigtimedwait_time64 rt_tgsigqueueinfo sigaction sigaltstack signal
		signalfd signalfd4 sigpending sigprocmask sigreturn sigsuspend`,
	"time": `clock_getres clock_getres_time64 clock_gettime clock_gettime64
		clock_nanosleep clock_nanosleep_time64 getitimer gettimeofday nanosleep
		setitimer time timer_create timer_delete timer_getoverrun timer_gettime
		timer_gettime64 timer_settime timer_settime64 timerfd_create
		timerfd_gettime timerfd_gettime64 timerfd_settime timerfd_settime64`,
	"events": `epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait
		epoll_pwait2 epoll_wait epoll_wait_old eventfd eventfd2 io_cancel
		io_destroy io_getevents io_pgetevents io_pgetevents_time64 io_setup
		io_submit io_uring_enter io_uring_register io_uring_setup ioctl pipe pipe2
		poll ppoll ppoll_time64 pselect6 pselect6_time64 select _newselect`,
	"ipc": `ipc mq_getsetattr mq_notify mq_open mq_timedreceive
		mq_timedreceive_time64 mq_timedsend mq_timedsend_time64 mq_unlink msgctl
		msgget msgrcv msgsnd semctl semget semop semtimedop semtimedop_time64
		shmat shmctl shmdt shmget`,
	"network": `accept accept4 bind connect getpeername getsockname getsockopt
		listen recv recvfrom recvmmsg recvmmsg_time64 recvmsg send sendmmsg
		sendmsg sendto setsockopt shutdown socket socketcall socketpair`,
	// Derive replaces these two with the realtime rules.
	"scheduling": `sched_setattr sched_setscheduler`,
}

// denied fail with EPERM whatever capability QM holds.
var denied = map[string]string{
	"kernel modules":   `init_module finit_module delete_module create_module query_module get_kernel_syms`,
	"kernel switch":    `kexec_load kexec_file_load reboot`,
	"swap":             `swapon swapoff`,
	"host clock":       `adjtimex clock_adjtime clock_adjtime64 clock_settime clock_settime64 settimeofday stime`,
	"accounting":       `acct`,
	"raw port I/O":     `ioperm iopl`,
	"file handles":     `open_by_handle_at`,
	"kernel log":       `syslog`,
	"obsolete":         `bdflush lookup_dcookie nfsservctl sysfs _sysctl uselib ustat vm86 vm86old`,
	"page fault traps": `userfaultfd`,
}

// Own returns the project's own base profile (before Derive adds the
// realtime rules), as indented JSON.
func Own() []byte {
	type archMap struct {
		Architecture     string   `json:"architecture"`
		SubArchitectures []string `json:"subArchitectures"`
	}
	eperm := uint(EPERM)
	profile := struct {
		DefaultAction   string    `json:"defaultAction"`
		DefaultErrnoRet uint      `json:"defaultErrnoRet"`
		ArchMap         []archMap `json:"archMap"`
		Syscalls        []Rule    `json:"syscalls"`
	}{
		DefaultAction:   "SCMP_ACT_ERRNO",
		DefaultErrnoRet: 38, // ENOSYS
		ArchMap: []archMap{
			{"SCMP_ARCH_X86_64", []string{"SCMP_ARCH_X86", "SCMP_ARCH_X32"}},
			{"SCMP_ARCH_AARCH64", []string{"SCMP_ARCH_ARM"}},
		},
		Syscalls: []Rule{
			{Names: names(denied), Action: "SCMP_ACT_ERRNO", ErrnoRet: &eperm, Comment: "qm-build: never from QM, whatever its capabilities"},
			{Names: names(allowed), Action: "SCMP_ACT_ALLOW", Comment: "qm-build: what QM's systemd, podman and services use"},
		},
	}
	b, err := marshal(profile)
	if err != nil {
		panic(err) // a fixed struct always encodes
	}
	return b
}

// names flattens a table of space-separated lists into one sorted list.
func names(table map[string]string) []string {
	var out []string
	for _, list := range table {
		out = append(out, strings.Fields(list)...)
	}
	sortUnique(&out)
	return out
}

func sortUnique(s *[]string) {
	sort.Strings(*s)
	*s = slices.Compact(*s)
}

// Profile returns QM's profile: Derive over base (the tree's
// /usr/share/containers/seccomp.json) when given, else over Own.
func Profile(base []byte) ([]byte, error) {
	if base == nil {
		return bytes.Clone(ownProfile), nil
	}
	return Derive(base, BasePath)
}

// ownProfile is Derive over Own, which are both constant: computed when
// the profile changes (`go test ./rootfs/seccomp -update` writes it) rather
// than in every process that writes the qm package, where it took a
// millisecond or two of JSON decoding and encoding. TestOwnProfile checks
// that it is Derive over Own, byte for byte.
//
//go:embed seccomp-no-rt.own.json
var ownProfile []byte
