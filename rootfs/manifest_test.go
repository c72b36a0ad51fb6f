package rootfs

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec"
)

func TestParseManifest(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "default.manifest"))
	require.NoError(t, err)
	m, err := parseManifest(bytes.NewReader(data), "default.manifest")
	require.NoError(t, err)
	require.Equal(t, manifestEntry{Status: statusCreated, Kind: rpmspec.KindDir, Digest: "-", Rel: "etc/qm"}, m["etc/qm"])
	require.Equal(t, rpmspec.KindSymlink, m["etc/qm/systemd/system/multi-user.target.wants/bluechi-agent.service"].Kind)
	var entries []manifestEntry
	for _, e := range m {
		entries = append(entries, e)
	}
	require.Equal(t, string(data), string(encodeManifest(entries)), "parsing and encoding round-trip")

	const h = manifestHeader + "\n"
	const d = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	for _, tc := range []struct {
		name, in, want string
	}{
		{"union digests", h + "+ f " + d + "," + d + ` "/a"` + "\n", ""},
		{"a path with a space", h + "+ f " + d + ` "/a b"` + "\n", ""},
		{"a path with a newline (no path qm-build writes has one)", h + "+ f " + d + ` "/a b\nc"` + "\n", "has a line break"},
		{"no header", "+ d - \"/a\"\n", "m:1: not a qm-build rootfs manifest"},
		{"another version", "# qm-build rootfs manifest 2\n", "m:1: not a qm-build rootfs manifest"},
		{"unknown status", h + "? d - \"/a\"\n", "m:2: unknown status"},
		{"unknown kind", h + "+ p - \"/a\"\n", "m:2: unknown kind"},
		{"short digest", h + "+ f abc \"/a\"\n", "m:2: bad digest"},
		{"digest on a directory", h + "+ d " + d + " \"/a\"\n", "m:2: bad digest"},
		{"unquoted path", h + "+ d - /a\n", "m:2: path /a is not quoted"},
		{"relative path", h + "+ d - \"a\"\n", "is relative"},
		{"dot-dot", h + "+ d - \"/a/../../b\"\n", "has a '..' component"},
		{"listed twice", h + "+ d - \"/a\"\n= d - \"/a\"\n", "m:3: /a is listed twice"},
		{"too few fields", h + "+ d\n", "m:2: want STATUS KIND DIGEST"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseManifest(strings.NewReader(tc.in), "m")
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.want)
			require.ErrorContains(t, err, "remove the file to start afresh")
		})
	}
}

// FuzzParseManifest: whatever a tree holds at the manifest's path, parsing
// returns entries or an error, and entries encode to a manifest that parses
// to the same entries.
func FuzzParseManifest(f *testing.F) {
	data, err := os.ReadFile(filepath.Join("testdata", "default.manifest"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte(manifestHeader + "\n= l 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef \"/x\"\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := parseManifest(bytes.NewReader(in), "m")
		if err != nil {
			return
		}
		var entries []manifestEntry
		for _, e := range m {
			entries = append(entries, e)
		}
		again, err := parseManifest(bytes.NewReader(encodeManifest(entries)), "m")
		if err != nil {
			t.Fatalf("re-parsing the encoding: %v", err)
		}
		if len(again) != len(m) {
			t.Fatalf("%d entries, then %d", len(m), len(again))
		}
		for k, e := range m {
			if again[k] != e {
				t.Fatalf("%s: %+v, then %+v", k, e, again[k])
			}
		}
	})
}
