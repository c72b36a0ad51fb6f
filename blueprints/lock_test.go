package blueprints

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
)

const goodSum = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func lockText(pkgs string) string {
	return `{
  "version": 1,
  "repos": [{"id": "r", "baseurl": "http://127.0.0.1/r/"}],
  "pipelines": {
    "os": [
` + pkgs + `
    ]
  }
}
`
}

func TestParseLockErrorsNameFileAndLine(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"bad checksum", lockText(`      {"name": "a", "version": "1", "release": "1", "arch": "noarch", "checksum": "sha256:zz", "repo": "r", "location": "a.rpm"}`), []string{"lock.json:6", "pipelines.os[0] (a)", "bad checksum"}},
		{"md5 checksum", lockText(`      {"name": "a", "version": "1", "release": "1", "arch": "noarch", "checksum": "md5:0123456789abcdef0123456789abcdef", "repo": "r", "location": "a.rpm"}`), []string{"lock.json:6", "bad checksum"}},
		{"second package", lockText(`      {"name": "a", "version": "1", "release": "1", "arch": "noarch", "checksum": "` + goodSum + `", "repo": "r", "location": "a.rpm"},
      {"name": "b", "version": "1", "release": "1", "arch": "noarch", "checksum": "` + goodSum + `", "repo": "nope", "location": "b.rpm"}`), []string{"lock.json:7", "(b)", `repo "nope" is not in repos`}},
		{"unknown package key", lockText(`      {"name": "a", "sha": "x"}`), []string{"lock.json", "unknown field"}},
		{"unknown top key", `{"version": 1, "extra": true}`, []string{"lock.json:1", "extra", "unknown key"}},
		{"syntax", "{\n  \"version\": 1,\n  \"repos\": [,]\n}", []string{"lock.json:3"}},
		{"version", `{"version": 2, "repos": [], "pipelines": {}}`, []string{"lock version 2"}},
		{"no location", lockText(`      {"name": "a", "version": "1", "release": "1", "arch": "noarch", "checksum": "` + goodSum + `"}`), []string{"give url, or repo and location"}},
		{"duplicate", lockText(`      {"name": "a", "version": "1", "release": "1", "arch": "noarch", "checksum": "` + goodSum + `", "url": "http://x/a.rpm"},
      {"name": "a", "version": "2", "release": "1", "arch": "noarch", "checksum": "` + goodSum + `", "url": "http://x/a2.rpm"}`), []string{"lock.json:7", "a.noarch is listed twice"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseLock(strings.NewReader(tc.text), "lock.json")
			require.Error(t, err)
			for _, w := range tc.want {
				require.Contains(t, err.Error(), w)
			}
			require.True(t, rpmspec.IsBadInput(err))
		})
	}
}

func TestLockEncodeParseRoundTrip(t *testing.T) {
	for _, name := range lockFixtures(t) {
		data := readFile(t, name)
		l, err := ParseLock(bytes.NewReader(data), name)
		require.NoError(t, err)
		var out bytes.Buffer
		require.NoError(t, l.Encode(&out))
		require.Equal(t, string(data), out.String(), "a lock file is written in canonical form")
	}
}

func TestVerifyLocal(t *testing.T) {
	dir := t.TempDir()
	rpm := filepath.Join(dir, "a-1-1.noarch.rpm")
	require.NoError(t, os.WriteFile(rpm, []byte("not really an rpm"), 0o644))
	open := func(p string) (io.ReadCloser, error) { return os.Open(p) }
	sum, err := HashFile(open, rpm)
	require.NoError(t, err)
	right := "sha256:" + sum
	for _, tc := range []struct {
		name, url, sum, want string
	}{
		{"matches", "file://" + rpm, right, ""},
		{"bad checksum", "file://" + rpm, goodSum, "bad checksum for a-1-1.noarch"},
		{"missing", "file://" + filepath.Join(dir, "gone.rpm"), right, "package a-1-1.noarch is missing"},
		{"remote is not checked", "http://127.0.0.1/a.rpm", goodSum, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := ParseLock(strings.NewReader(lockText(`{"name": "a", "version": "1", "release": "1", "arch": "noarch", "checksum": "`+tc.sum+`", "url": "`+tc.url+`"}`)), "lock.json")
			require.NoError(t, err)
			err = l.VerifyLocal(open)
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.want)
			require.ErrorContains(t, err, "lock.json:6")
			require.True(t, rpmspec.IsBadInput(err))
		})
	}
}

func FuzzParseLock(f *testing.F) {
	for _, name := range lockFixtures(f) {
		data, err := os.ReadFile(name)
		require.NoError(f, err)
		f.Add(data)
	}
	f.Add([]byte(lockText("")))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseLock(bytes.NewReader(data), "fuzz.json")
		if err != nil {
			require.True(t, rpmspec.IsBadInput(err), "%v", err)
			return
		}
		// What parses is written back and parses to the same lock.
		var out bytes.Buffer
		require.NoError(t, l.Encode(&out))
		again, err := ParseLock(&out, "again.json")
		require.NoError(t, err)
		require.Equal(t, len(l.Pipelines), len(again.Pipelines))
	})
}

var _ = rootfs.Options{}

// lockFixtures are the lock files of the golden manifests, which
// blueprints/manifest's tests resolve with dnf (see its testdata/README.md).
func lockFixtures(t testing.TB) []string {
	names, err := filepath.Glob(filepath.Join("manifest", "testdata", "lock-*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, names)
	return names
}
