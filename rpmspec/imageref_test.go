package rpmspec

import (
	"errors"
	"strings"
	"testing"

	"github.com/distribution/reference"
	"github.com/stretchr/testify/require"
)

// imageRefSeeds are references of every shape the grammar has, valid or not.
var imageRefSeeds = []string{
	"fedora", "fedora:40", "library/fedora", "docker.io/fedora", "docker.io/library/fedora:40",
	"index.docker.io/library/fedora:40", "quay.io/qm-images/kvm:latest", "quay.io/qm-images/kvm",
	"quay.io/qm-images/kvm@sha256:" + strings.Repeat("0", 64), "quay.io/a/b:1@sha256:" + strings.Repeat("a", 64),
	"quay.io/a/b@sha256:" + strings.Repeat("A", 64), "quay.io/a/b@sha256:" + strings.Repeat("0", 63),
	"quay.io/a/b@sha512:" + strings.Repeat("0", 128), "quay.io/a/b@md5:" + strings.Repeat("0", 32),
	"quay.io/a/b@sha256+x.y-z_w:" + strings.Repeat("0", 64), "quay.io/a/b@1sha:" + strings.Repeat("0", 64),
	"localhost/x:1", "localhost:5000/x:1", "registry.example.com:5000/a/b/c:v1.2", "[::1]:5000/a:1", "[::1]/a:1",
	"[]/a:1", "host:/a:1", "host:5x/a:1", "Quay.io/UPPER/case:1", "Quay.io/lower/case:1", "quay.io/Upper:1",
	"QUAY/x:1", "a_b.c/x:1", "a-.b/x:1", "-a.b/x:1", "a..b/x:1", "a/b/c/d/e:1", "a__b/c--d.e_f:1",
	"a___b/c:1", "a/.b:1", "a/b.:1", "a/b:", "a/b:-x", "a/b:_x", "a/b:" + strings.Repeat("x", 128),
	"a/b:" + strings.Repeat("x", 129), "a/b@", "a/b@sha256:", "a/b:1:2", "a/b@c@d", "a//b:1", "/a:1", "a/:1",
	strings.Repeat("a", 64), strings.Repeat("f", 64), "quay.io/" + strings.Repeat("a", 256) + ":1",
	"quay.io/" + strings.Repeat("a", 255) + ":1", "kvm.image", "x:1/y:2", "quay.io:443/a:1", ":1", "@", "a",
}

// TestImageRefMatchesDistribution: imageref.go parses every seed as
// github.com/distribution/reference does: the same accepted and refused
// references, the same registry, path, tag and digest, the same canonical
// (fully qualified) ones.
func TestImageRefMatchesDistribution(t *testing.T) {
	for _, s := range imageRefSeeds {
		t.Run(s, func(t *testing.T) { requireSameAsDistribution(t, s) })
	}
}

// FuzzImageRef is TestImageRefMatchesDistribution over fuzzed strings.
func FuzzImageRef(f *testing.F) {
	for _, s := range imageRefSeeds {
		f.Add(s)
	}
	f.Fuzz(requireSameAsDistribution)
}

func requireSameAsDistribution(t *testing.T, s string) {
	if s == "" {
		return // CheckImageRef refuses it before parsing
	}
	got, err := parseNormalizedImageRef(s)
	want, werr := reference.ParseNormalizedNamed(s)
	require.Equal(t, werr == nil, err == nil, "%q: distribution says %v, imageref.go %v", s, werr, err)
	if werr == nil {
		require.Equal(t, reference.Domain(want), got.domain, "%q", s)
		require.Equal(t, reference.Path(want), got.path, "%q", s)
		require.Equal(t, want.String(), got.String(), "%q", s)
	}
	_, cerr := reference.ParseNamed(s)
	require.Equal(t, cerr == nil, err == nil && got.String() == s, "%q canonical: distribution says %v", s, cerr)
	if werr == nil && cerr != nil {
		require.True(t, errors.Is(cerr, reference.ErrNameNotCanonical), "%q: %v", s, cerr)
	}

	p, perr := parseImageRef(s)
	pw, pwerr := reference.Parse(s)
	require.Equal(t, pwerr == nil, perr == nil, "%q Parse: distribution says %v, imageref.go %v", s, pwerr, perr)
	if pwerr == nil {
		require.Equal(t, pw.String(), p.String(), "%q", s)
	}
}
