package verifiers

import (
	"os"
	"path/filepath"
	"testing"
)

// SystemdStubRoot makes, under parent, the root that `systemd-analyze verify
// --root=ROOT` needs offline (verifiers.md §5): the host's unit directory
// (else "Unit sysinit.target not found"), an executable /usr/bin/podman for the
// ExecStart= of quadlet services, and an empty /etc/systemd/system to put the
// units under test in. It returns the root.
func SystemdStubRoot(t testing.TB, parent string) string {
	t.Helper()
	root := filepath.Join(parent, "systemd-root")
	for _, d := range []string{"usr/bin", "etc/systemd/system", "usr/lib/systemd"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if r := Run(t, "cp", "-a", "/lib/systemd/system", filepath.Join(root, "usr/lib/systemd/system")); r.Code != 0 {
		t.Fatalf("copying the host's unit directory: %s", r.Stderr)
	}
	if err := os.WriteFile(filepath.Join(root, "usr/bin/podman"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return root
}
