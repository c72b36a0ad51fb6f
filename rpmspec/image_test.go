package rpmspec_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec"
)

func TestCheckImageRef(t *testing.T) {
	for _, tc := range []struct {
		ref          string
		strict, soft bool // accepted without and with short names allowed
	}{
		{"quay.io/qm-images/kvm:latest", true, true},
		{"quay.io/qm-images/kvm@sha256:" + strings.Repeat("0", 64), true, true},
		{"quay.io/qm-images/kvm:1@sha256:" + strings.Repeat("0", 64), true, true},
		{"localhost/qm-text2speech:latest", true, true},
		{"registry.example.com:5000/a/b/c:v1.2", true, true},
		{"qm-images/kvm:latest", false, true},
		{"fedora", false, true},
		{"docker.io/library/fedora", false, true},
		{"quay.io/qm-images/kvm", false, true},
		{"", false, false},
		{"Quay.io/UPPER/case:1", false, false},
		{"quay.io/a/b:1 x", false, false},
		{"quay.io/a/b:1\nPodmanArgs=--privileged", false, false},
		{"quay.io/a/b:1\x7f", false, false},
		{"quay.io/a/b:bad tag", false, false},
		{"kvm.image", false, true},
	} {
		t.Run(tc.ref, func(t *testing.T) {
			err := rpmspec.CheckImageRef(tc.ref, false)
			require.Equal(t, tc.strict, err == nil, "%v", err)
			err = rpmspec.CheckImageRef(tc.ref, true)
			require.Equal(t, tc.soft, err == nil, "%v", err)
		})
	}
	require.True(t, rpmspec.IsQuadletImageUnit("kvm.image"))
	require.True(t, rpmspec.IsQuadletImageUnit("tts.build"))
	require.False(t, rpmspec.IsQuadletImageUnit("quay.io/x.image"))
}

// FuzzCheckImageRef: an accepted reference is one word without control
// characters, and whatever is accepted strictly is accepted with short names
// allowed.
func FuzzCheckImageRef(f *testing.F) {
	cat, err := rpmspec.Builtin()
	require.NoError(f, err)
	for _, d := range cat.All() {
		for _, ref := range d.Images {
			f.Add(ref)
		}
	}
	f.Add("qm-images/kvm:latest")
	f.Add("quay.io/a/b:1\nPodmanArgs=--privileged")
	f.Fuzz(func(t *testing.T, ref string) {
		strict := rpmspec.CheckImageRef(ref, false)
		soft := rpmspec.CheckImageRef(ref, true)
		if strict == nil {
			require.NoError(t, soft)
		}
		if soft == nil {
			require.False(t, strings.ContainsFunc(ref, func(r rune) bool { return r <= ' ' || r == 0x7f }), "%q", ref)
		}
	})
}
