package podman

import "sync"

// Kind is how pflag reads a flag's value, which decides whether the flag
// takes a value and what repeating it does.
type Kind int

// Kinds of podman's flags (the pflag value types podman 5.4 declares).
const (
	// Bool takes no separate value ("--flag" is true, "--flag=false"); the
	// last occurrence wins.
	Bool Kind = iota + 1
	// String takes a value; the last occurrence wins.
	String
	// StringArray takes a value; every occurrence adds one.
	StringArray
	// StringSlice takes a comma-separated value (CSV); every occurrence adds
	// its items.
	StringSlice
	// Int and Uint take a number (Go syntax with base prefix); the last wins.
	Int
	Uint
	// Float takes a number; the last wins.
	Float
	// UintSlice takes comma-separated numbers; occurrences add up.
	UintSlice
)

// Scope says where on podman's command line a flag is accepted.
type Scope int

// Scopes.
const (
	// Persistent flags are podman's global ones: before the subcommand and,
	// inherited, after it ("podman run --runtime x" works).
	Persistent Scope = iota + 1
	// Root flags are accepted only before the subcommand.
	Root
	// Run flags are those of "podman run".
	Run
)

// Flag is one of podman's flags.
type Flag struct {
	Name   string
	Short  string
	Kind   Kind
	Scope  Scope
	Hidden bool
}

// flags is podman 5.4.2's table: the global flags and those of "podman run",
// including hidden ones (read from podman's command tree; TestFlagsAgreeWithManPages
// checks the names against the podman-run(1) and podman(1) pages of the same
// release).
var flags = []Flag{
	// Persistent
	{Name: "cgroup-manager", Kind: String, Scope: Persistent},
	{Name: "conmon", Kind: String, Scope: Persistent},
	{Name: "cpu-profile", Kind: String, Scope: Persistent, Hidden: true},
	{Name: "db-backend", Kind: String, Scope: Persistent, Hidden: true},
	{Name: "default-mounts-file", Kind: String, Scope: Persistent, Hidden: true},
	{Name: "events-backend", Kind: String, Scope: Persistent},
	{Name: "hooks-dir", Kind: StringArray, Scope: Persistent},
	{Name: "imagestore", Kind: String, Scope: Persistent},
	{Name: "log-level", Kind: String, Scope: Persistent},
	{Name: "max-workers", Kind: Int, Scope: Persistent, Hidden: true},
	{Name: "memory-profile", Kind: String, Scope: Persistent, Hidden: true},
	{Name: "namespace", Kind: String, Scope: Persistent, Hidden: true},
	{Name: "network-backend", Kind: String, Scope: Persistent, Hidden: true},
	{Name: "network-cmd-path", Kind: String, Scope: Persistent},
	{Name: "network-config-dir", Kind: String, Scope: Persistent},
	{Name: "pull-option", Kind: StringArray, Scope: Persistent, Hidden: true},
	{Name: "registries-conf", Kind: String, Scope: Persistent, Hidden: true},
	{Name: "root", Kind: String, Scope: Persistent},
	{Name: "runroot", Kind: String, Scope: Persistent},
	{Name: "runtime", Kind: String, Scope: Persistent},
	{Name: "runtime-flag", Kind: StringArray, Scope: Persistent},
	{Name: "storage-driver", Kind: String, Scope: Persistent},
	{Name: "storage-opt", Kind: StringArray, Scope: Persistent},
	{Name: "syslog", Kind: Bool, Scope: Persistent},
	{Name: "tmpdir", Kind: String, Scope: Persistent},
	{Name: "trace", Kind: Bool, Scope: Persistent, Hidden: true},
	{Name: "transient-store", Kind: Bool, Scope: Persistent},
	{Name: "volumepath", Kind: String, Scope: Persistent},
	// Root
	{Name: "config", Kind: String, Scope: Root},
	{Name: "connection", Kind: String, Scope: Root, Short: "c"},
	{Name: "context", Kind: String, Scope: Root, Hidden: true},
	{Name: "debug", Kind: Bool, Scope: Root, Short: "D", Hidden: true},
	{Name: "host", Kind: String, Scope: Root, Short: "H", Hidden: true},
	{Name: "identity", Kind: String, Scope: Root},
	{Name: "module", Kind: StringArray, Scope: Root},
	{Name: "noout", Kind: Bool, Scope: Root, Hidden: true},
	{Name: "out", Kind: String, Scope: Root},
	{Name: "remote", Kind: Bool, Scope: Root, Short: "r"},
	{Name: "ssh", Kind: String, Scope: Root},
	{Name: "url", Kind: String, Scope: Root},
	// Run
	{Name: "add-host", Kind: StringSlice, Scope: Run},
	{Name: "annotation", Kind: StringArray, Scope: Run},
	{Name: "arch", Kind: String, Scope: Run},
	{Name: "attach", Kind: StringSlice, Scope: Run, Short: "a"},
	{Name: "authfile", Kind: String, Scope: Run},
	{Name: "blkio-weight", Kind: String, Scope: Run},
	{Name: "blkio-weight-device", Kind: StringArray, Scope: Run},
	{Name: "cap-add", Kind: StringSlice, Scope: Run},
	{Name: "cap-drop", Kind: StringSlice, Scope: Run},
	{Name: "cgroup-conf", Kind: StringSlice, Scope: Run},
	{Name: "cgroup-parent", Kind: String, Scope: Run},
	{Name: "cgroupns", Kind: String, Scope: Run},
	{Name: "cgroups", Kind: String, Scope: Run},
	{Name: "chrootdirs", Kind: StringArray, Scope: Run},
	{Name: "cidfile", Kind: String, Scope: Run},
	{Name: "conmon-pidfile", Kind: String, Scope: Run},
	{Name: "cpu-period", Kind: Uint, Scope: Run},
	{Name: "cpu-quota", Kind: Int, Scope: Run},
	{Name: "cpu-rt-period", Kind: Uint, Scope: Run},
	{Name: "cpu-rt-runtime", Kind: Int, Scope: Run},
	{Name: "cpu-shares", Kind: Uint, Scope: Run, Short: "c"},
	{Name: "cpus", Kind: Float, Scope: Run},
	{Name: "cpuset-cpus", Kind: String, Scope: Run},
	{Name: "cpuset-mems", Kind: String, Scope: Run},
	{Name: "decryption-key", Kind: StringArray, Scope: Run},
	{Name: "detach", Kind: Bool, Scope: Run, Short: "d"},
	{Name: "detach-keys", Kind: String, Scope: Run},
	{Name: "device", Kind: StringArray, Scope: Run},
	{Name: "device-cgroup-rule", Kind: StringSlice, Scope: Run},
	{Name: "device-read-bps", Kind: StringArray, Scope: Run},
	{Name: "device-read-iops", Kind: StringArray, Scope: Run},
	{Name: "device-write-bps", Kind: StringArray, Scope: Run},
	{Name: "device-write-iops", Kind: StringArray, Scope: Run},
	{Name: "disable-content-trust", Kind: Bool, Scope: Run},
	{Name: "dns", Kind: StringSlice, Scope: Run},
	{Name: "dns-option", Kind: StringSlice, Scope: Run},
	{Name: "dns-search", Kind: StringSlice, Scope: Run},
	{Name: "entrypoint", Kind: String, Scope: Run},
	{Name: "env", Kind: StringArray, Scope: Run, Short: "e"},
	{Name: "env-file", Kind: StringArray, Scope: Run},
	{Name: "env-host", Kind: Bool, Scope: Run},
	{Name: "env-merge", Kind: StringArray, Scope: Run},
	{Name: "expose", Kind: StringSlice, Scope: Run},
	{Name: "gidmap", Kind: StringSlice, Scope: Run},
	{Name: "gpus", Kind: StringSlice, Scope: Run},
	{Name: "group-add", Kind: StringSlice, Scope: Run},
	{Name: "group-entry", Kind: String, Scope: Run},
	{Name: "health-cmd", Kind: String, Scope: Run},
	{Name: "health-interval", Kind: String, Scope: Run},
	{Name: "health-log-destination", Kind: String, Scope: Run},
	{Name: "health-max-log-count", Kind: Uint, Scope: Run},
	{Name: "health-max-log-size", Kind: Uint, Scope: Run},
	{Name: "health-on-failure", Kind: String, Scope: Run},
	{Name: "health-retries", Kind: Uint, Scope: Run},
	{Name: "health-start-period", Kind: String, Scope: Run},
	{Name: "health-startup-cmd", Kind: String, Scope: Run},
	{Name: "health-startup-interval", Kind: String, Scope: Run},
	{Name: "health-startup-retries", Kind: Uint, Scope: Run},
	{Name: "health-startup-success", Kind: Uint, Scope: Run},
	{Name: "health-startup-timeout", Kind: String, Scope: Run},
	{Name: "health-timeout", Kind: String, Scope: Run},
	{Name: "hostname", Kind: String, Scope: Run, Short: "h"},
	{Name: "hosts-file", Kind: String, Scope: Run},
	{Name: "hostuser", Kind: StringSlice, Scope: Run},
	{Name: "http-proxy", Kind: Bool, Scope: Run},
	{Name: "image-volume", Kind: String, Scope: Run},
	{Name: "init", Kind: Bool, Scope: Run},
	{Name: "init-path", Kind: String, Scope: Run},
	{Name: "interactive", Kind: Bool, Scope: Run, Short: "i"},
	{Name: "ip", Kind: String, Scope: Run},
	{Name: "ip6", Kind: String, Scope: Run},
	{Name: "ipc", Kind: String, Scope: Run},
	{Name: "kernel-memory", Kind: String, Scope: Run, Hidden: true},
	{Name: "label", Kind: StringArray, Scope: Run, Short: "l"},
	{Name: "label-file", Kind: StringArray, Scope: Run},
	{Name: "log-driver", Kind: String, Scope: Run},
	{Name: "log-opt", Kind: StringArray, Scope: Run},
	{Name: "mac-address", Kind: String, Scope: Run},
	{Name: "memory", Kind: String, Scope: Run, Short: "m"},
	{Name: "memory-reservation", Kind: String, Scope: Run},
	{Name: "memory-swap", Kind: String, Scope: Run},
	{Name: "memory-swappiness", Kind: Int, Scope: Run},
	{Name: "mount", Kind: StringArray, Scope: Run},
	{Name: "name", Kind: String, Scope: Run},
	{Name: "network", Kind: StringArray, Scope: Run},
	{Name: "network-alias", Kind: StringSlice, Scope: Run},
	{Name: "no-healthcheck", Kind: Bool, Scope: Run},
	{Name: "no-hostname", Kind: Bool, Scope: Run},
	{Name: "no-hosts", Kind: Bool, Scope: Run},
	{Name: "oom-kill-disable", Kind: Bool, Scope: Run},
	{Name: "oom-score-adj", Kind: Int, Scope: Run},
	{Name: "os", Kind: String, Scope: Run},
	{Name: "passwd", Kind: Bool, Scope: Run},
	{Name: "passwd-entry", Kind: String, Scope: Run},
	{Name: "personality", Kind: String, Scope: Run},
	{Name: "pid", Kind: String, Scope: Run},
	{Name: "pidfile", Kind: String, Scope: Run},
	{Name: "pids-limit", Kind: Int, Scope: Run},
	{Name: "platform", Kind: String, Scope: Run},
	{Name: "pod", Kind: String, Scope: Run},
	{Name: "pod-id-file", Kind: String, Scope: Run},
	{Name: "preserve-fd", Kind: UintSlice, Scope: Run},
	{Name: "preserve-fds", Kind: Uint, Scope: Run},
	{Name: "privileged", Kind: Bool, Scope: Run},
	{Name: "publish", Kind: StringSlice, Scope: Run, Short: "p"},
	{Name: "publish-all", Kind: Bool, Scope: Run, Short: "P"},
	{Name: "pull", Kind: String, Scope: Run},
	{Name: "quiet", Kind: Bool, Scope: Run, Short: "q"},
	{Name: "rdt-class", Kind: String, Scope: Run},
	{Name: "read-only", Kind: Bool, Scope: Run},
	{Name: "read-only-tmpfs", Kind: Bool, Scope: Run},
	{Name: "replace", Kind: Bool, Scope: Run},
	{Name: "requires", Kind: StringSlice, Scope: Run},
	{Name: "restart", Kind: String, Scope: Run},
	{Name: "retry", Kind: Uint, Scope: Run},
	{Name: "retry-delay", Kind: String, Scope: Run},
	{Name: "rm", Kind: Bool, Scope: Run},
	{Name: "rmi", Kind: Bool, Scope: Run},
	{Name: "rootfs", Kind: Bool, Scope: Run},
	{Name: "sdnotify", Kind: String, Scope: Run},
	{Name: "seccomp-policy", Kind: String, Scope: Run},
	{Name: "secret", Kind: StringArray, Scope: Run},
	{Name: "security-opt", Kind: StringArray, Scope: Run},
	{Name: "shm-size", Kind: String, Scope: Run},
	{Name: "shm-size-systemd", Kind: String, Scope: Run},
	{Name: "sig-proxy", Kind: Bool, Scope: Run},
	{Name: "signature-policy", Kind: String, Scope: Run, Hidden: true},
	{Name: "stop-signal", Kind: String, Scope: Run},
	{Name: "stop-timeout", Kind: Uint, Scope: Run},
	{Name: "subgidname", Kind: String, Scope: Run},
	{Name: "subuidname", Kind: String, Scope: Run},
	{Name: "sysctl", Kind: StringSlice, Scope: Run},
	{Name: "systemd", Kind: String, Scope: Run},
	{Name: "timeout", Kind: Uint, Scope: Run},
	{Name: "tls-verify", Kind: Bool, Scope: Run},
	{Name: "tmpfs", Kind: StringArray, Scope: Run},
	{Name: "tty", Kind: Bool, Scope: Run, Short: "t"},
	{Name: "tz", Kind: String, Scope: Run},
	{Name: "uidmap", Kind: StringSlice, Scope: Run},
	{Name: "ulimit", Kind: StringSlice, Scope: Run},
	{Name: "umask", Kind: String, Scope: Run},
	{Name: "unsetenv", Kind: StringArray, Scope: Run},
	{Name: "unsetenv-all", Kind: Bool, Scope: Run},
	{Name: "user", Kind: String, Scope: Run, Short: "u"},
	{Name: "userns", Kind: String, Scope: Run},
	{Name: "uts", Kind: String, Scope: Run},
	{Name: "variant", Kind: String, Scope: Run},
	{Name: "volume", Kind: StringArray, Scope: Run, Short: "v"},
	{Name: "volumes-from", Kind: StringArray, Scope: Run},
	{Name: "workdir", Kind: String, Scope: Run, Short: "w"},
	// Added by cobra.
	{Name: "help", Short: "h", Kind: Bool, Scope: Root},
	{Name: "help", Kind: Bool, Scope: Run},
	{Name: "version", Short: "v", Kind: Bool, Scope: Root},
}

// runAliases are the old names podman's run command still accepts
// (cmd/podman/utils.AliasFlags).
// They are built on first use, not at every start of qm-build.
var runAliases = sync.OnceValue(func() map[string]string {
	return map[string]string{
		"dns-opt": "dns-option", "healthcheck-command": "health-cmd", "healthcheck-interval": "health-interval",
		"healthcheck-retries": "health-retries", "healthcheck-start-period": "health-start-period",
		"healthcheck-timeout": "health-timeout", "net": "network", "override-arch": "arch", "override-os": "os",
		"override-variant": "variant",
	}
})

// rootAliases are the old names of global flags.
var rootAliases = sync.OnceValue(func() map[string]string { return map[string]string{"cni-config-dir": "network-config-dir"} })

// Flags returns podman's flag table (a copy).
func Flags() []Flag { return append([]Flag(nil), flags...) }

// lookup finds a flag by long name in the flags accepted before ("root") or
// after ("run") the subcommand.
func lookup(name string, afterRun bool) (Flag, bool) {
	if afterRun {
		if a, ok := runAliases()[name]; ok {
			name = a
		}
	} else if a, ok := rootAliases()[name]; ok {
		name = a
	}
	for _, f := range flags {
		if f.Name == name && accepts(f, afterRun) {
			return f, true
		}
	}
	return Flag{}, false
}

// lookupShort finds a flag by its one-letter name.
func lookupShort(c string, afterRun bool) (Flag, bool) {
	for _, f := range flags {
		if f.Short == c && accepts(f, afterRun) {
			return f, true
		}
	}
	return Flag{}, false
}

func accepts(f Flag, afterRun bool) bool {
	if afterRun {
		return f.Scope == Run || f.Scope == Persistent
	}
	return f.Scope == Root || f.Scope == Persistent
}
