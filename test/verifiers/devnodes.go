package verifiers

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// DevNode is a character device node for DeviceRoot.
type DevNode struct {
	Path         string // relative to the root, e.g. dev/snd/controlC0
	Major, Minor uint32
}

// DeviceRoot makes a directory standing for a host's root whose /dev holds
// real character device nodes (mknod(2), which needs root), for tests of
// programs that read /dev. The nodes are created 0660; nothing is opened.
func DeviceRoot(t testing.TB, nodes ...DevNode) string {
	t.Helper()
	if os.Geteuid() != 0 {
		missing(t, "root", "needed to make device nodes (run the tests as root)")
	}
	root := t.TempDir()
	for _, n := range nodes {
		p := filepath.Join(root, n.Path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Mknod(p, syscall.S_IFCHR|0o660, int(n.Major<<8|n.Minor)); err != nil {
			t.Fatalf("mknod %s: %v", p, err)
		}
	}
	return root
}
