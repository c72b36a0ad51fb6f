package blueprints

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs"
)

// BenchmarkFragment makes and encodes the kvm fragment.
func BenchmarkFragment(b *testing.B) {
	c := compose(b, rootfs.Options{Distro: "cs9", Arch: "x86_64", Dropins: []string{"kvm"}})
	b.ReportAllocs()
	for b.Loop() {
		f, err := NewFragment(c, "qm")
		require.NoError(b, err)
		var out bytes.Buffer
		require.NoError(b, EncodeTOML(&out, &f.Blueprint, f.Header("bench")...))
	}
}
