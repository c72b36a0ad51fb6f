package manifest

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// BenchmarkManifest makes the four golden manifests: declaring the
// pipelines (New) and serializing them against the lock fixture.
func BenchmarkManifest(b *testing.B) {
	for _, g := range goldenTargets {
		b.Run(g.distro+"-"+g.arch, func(b *testing.B) {
			c := kvmContent(b, g.distro, g.arch)
			lock := loadLockNoUpdate(b, g.distro, g.arch)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				m, err := New(Options{Content: c})
				require.NoError(b, err)
				_, err = m.Serialize(lock)
				require.NoError(b, err)
			}
		})
	}
}
