package build

import "github.com/qm-build/qm-build/rootfs/atomic"

// writeOut writes an artifact into the output directory, atomically and
// through os.Root.
func writeOut(dir, name string, data []byte) error {
	return atomic.WriteFileIn(dir, name, data, 0o644)
}
