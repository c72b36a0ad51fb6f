package verifiers

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// PodmanConfig runs podman as far as a container's runtime configuration
// and returns that configuration (config.json) and what `podman init`
// printed. It makes a container with `podman create --rootfs` (no image is
// pulled) and the given annotations, in storage of its own, then runs
// `podman init`, which loads the hooks of hooksDir with podman's own loader
// (every *.json there is validated; a "when" that matches selects the hook),
// runs the precreate hooks on the configuration and writes the result to
// the container's bundle. The OCI runtime may then refuse to create the
// container where the test runs (no cgroup controllers, rlimits): only the
// configuration counts. Podman needs root.
func PodmanConfig(t testing.TB, hooksDir string, annotations []string) (config []byte, initOutput string) {
	t.Helper()
	podman := Need(t, "podman")
	if os.Geteuid() != 0 {
		missing(t, "root", "needed by podman to create containers (run the tests as root)")
	}
	// Podman refuses a run root longer than 50 characters, which a test's
	// temporary directory can be.
	dir, err := os.MkdirTemp("", "qmp")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	rootfs := filepath.Join(dir, "rootfs")
	if err := os.MkdirAll(filepath.Join(rootfs, "sbin"), 0o755); err != nil {
		t.Fatal(err)
	}
	global := []string{"--root", filepath.Join(dir, "storage"), "--runroot", filepath.Join(dir, "run"),
		"--storage-driver", "vfs", "--cgroup-manager", "cgroupfs", "--events-backend", "none", "--hooks-dir", hooksDir}
	args := append(append([]string{}, global...), "create", "--name", "qm-build-hook-test",
		"--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024")
	for _, a := range annotations {
		args = append(args, "--annotation", a)
	}
	args = append(args, "--rootfs", rootfs, "/sbin/init")
	env := Cmd{Env: []string{"XDG_RUNTIME_DIR=" + filepath.Join(dir, "xdg")}}
	res := env.Run(t, podman, args...)
	if res.Code != 0 {
		t.Fatalf("podman create: rc %d: %s", res.Code, res.Stderr)
	}
	id := strings.TrimSpace(res.Stdout)
	t.Cleanup(func() { env.Run(t, podman, append(append([]string{}, global...), "rm", "--force", id)...) })
	init := env.Run(t, podman, append(append([]string{}, global...), "init", id)...)
	matches, err := filepath.Glob(filepath.Join(dir, "storage", "*-containers", id, "userdata", "config.json"))
	if err != nil || len(matches) != 1 {
		t.Fatalf("podman init wrote no configuration for %s (rc %d): %s", id, init.Code, init.Stderr)
	}
	data, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	return data, init.Stdout + init.Stderr
}
