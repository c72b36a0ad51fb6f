package oci

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/stages/publish/ociref"
)

// ggcrRef is ParseRef as it was before ociref: go-containerregistry's
// parser alone, then the port check.
func ggcrRef(ref string) (string, error) {
	bad := func(err error) error {
		return &rpmspec.InputError{Field: "--oci", Msg: fmt.Sprintf("%q", ref), Err: err}
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		return "", bad(err)
	}
	host := r.Context().RegistryStr()
	if i := strings.LastIndex(host, ":"); i >= 0 && !strings.HasSuffix(host, "]") {
		port, err := strconv.Atoi(host[i+1:])
		if err != nil || port < 1 || port > 65535 {
			return "", bad(fmt.Errorf("registry port %q is not a TCP port (1-65535)", host[i+1:]))
		}
	}
	return host, nil
}

var sha = strings.Repeat("ab", 32)

var refSeeds = []string{
	"registry.example/qm/rpms:1.0", "localhost:5000/qm/rpms:1", "127.0.0.1:1/x:y",
	"localhost:99999/x:1", "localhost:0/x:1", "localhost:abc/x", "Bad Ref", "x/y:z", "qm",
	"docker.io/qm", "http://r.example/a:1", "https://r.example/a", "r.example/A:1",
	"r.example/a:", "r.example/a:" + strings.Repeat("t", 129), "r.example/a@sha256:" + sha,
	"r.example/a:1@sha256:" + sha, "r.example/a@sha256:" + strings.ToUpper(sha), "r.example/a@md5:" + sha,
	"r.example/a@sha512:" + sha + sha, "a@sha256:" + sha, "[::1]:5000/a:1", "[::1]/a", "r.example:/a",
	"localhost/a", "r.example/a@@sha256:" + sha, "", ":", "/", "r.example/", "r ex/a", "r.example/a/b/c:t",
	"r.example/é", "r.example/a@sha256:", "r.example/a@:" + sha, "a:b:c/d",
}

// TestCheckMatchesParseReference: ociref.Check, which qm-build runs,
// accepts and refuses what go-containerregistry's parser does, with the
// same message and the same registry.
func TestCheckMatchesParseReference(t *testing.T) {
	for _, ref := range refSeeds {
		t.Run(ref, func(t *testing.T) { sameAsGGCR(t, ref) })
	}
}

func sameAsGGCR(t *testing.T, ref string) {
	wantHost, wantErr := ggcrRef(ref)
	host, err := ociref.Check(ref)
	if wantErr != nil {
		require.EqualError(t, err, wantErr.Error())
		require.True(t, rpmspec.IsBadInput(err))
		return
	}
	require.NoError(t, err)
	require.Equal(t, wantHost, host)
	_, err = ParseRef(ref, false)
	require.NoError(t, err)
}

func FuzzCheckRef(f *testing.F) {
	for _, s := range refSeeds {
		f.Add(s)
	}
	f.Fuzz(sameAsGGCR)
}
