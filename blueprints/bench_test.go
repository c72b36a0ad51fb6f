package blueprints

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// BenchmarkManifest makes the four golden manifests: declaring the
// pipelines (NewManifest) and serializing them against the lock fixture.
func BenchmarkManifest(b *testing.B) {
	for _, g := range goldenTargets {
		b.Run(g.distro+"-"+g.arch, func(b *testing.B) {
			c := kvmContent(b, g.distro, g.arch)
			lock := loadLockNoUpdate(b, g.distro, g.arch)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				m, err := NewManifest(ManifestOptions{Content: c})
				require.NoError(b, err)
				_, err = m.Serialize(lock)
				require.NoError(b, err)
			}
		})
	}
}

// BenchmarkFragment makes and encodes the kvm fragment.
func BenchmarkFragment(b *testing.B) {
	c := kvmContent(b, "cs9", "x86_64")
	b.ReportAllocs()
	for b.Loop() {
		f, err := NewFragment(c, "qm")
		require.NoError(b, err)
		var out bytes.Buffer
		require.NoError(b, EncodeTOML(&out, &f.Blueprint, f.Header("bench")...))
	}
}
