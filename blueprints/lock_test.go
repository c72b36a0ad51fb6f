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
			require.True(t, err.(interface{ BadInput() bool }).BadInput())
		})
	}
}

func TestLockEncodeParseRoundTrip(t *testing.T) {
	for _, g := range goldenTargets {
		name := lockFixture(g.distro, g.arch)
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
	sum, err := fileSHA256(rpm)
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
			require.True(t, err.(interface{ BadInput() bool }).BadInput())
		})
	}
}

func TestSerializeRefusesAnIncompleteLock(t *testing.T) {
	c := kvmContent(t, "cs9", "x86_64")
	m, err := NewManifest(ManifestOptions{Content: c})
	require.NoError(t, err)
	fixture := func() *Lock { return loadLockNoUpdate(t, "cs9", "x86_64") }
	drop := func(l *Lock, pipeline, name string) {
		var keep []LockedPackage
		for _, p := range l.Pipelines[pipeline] {
			if p.Name != name {
				keep = append(keep, p)
			}
		}
		l.Pipelines[pipeline] = keep
	}
	for _, tc := range []struct {
		name string
		edit func(*Lock)
		own  []LockedPackage
		want []string
	}{
		{"a requested package is missing", func(l *Lock) { drop(l, PipelineQMRootfs, "bluechi-agent") }, nil, []string{`package "bluechi-agent" is missing (wanted by the qm_rootfs pipeline)`}},
		{"two packages are missing", func(l *Lock) { drop(l, PipelineOS, "qm-kvm"); drop(l, PipelineBuild, "rpm") }, nil, []string{`"qm-kvm"`, `"rpm"`}},
		{"a pipeline is missing", func(l *Lock) { delete(l.Pipelines, PipelineQMRootfs) }, nil, []string{"no qm_rootfs pipeline", "podman"}},
		{"the wrong qm version", func(l *Lock) {
			for i, p := range l.Pipelines[PipelineOS] {
				if p.Name == "qm" {
					l.Pipelines[PipelineOS][i].Version = "0.7.4"
				}
			}
		}, nil, []string{"the lock has qm-0.7.4-1.noarch", "wants qm 1.0-1"}},
		{"another architecture", func(l *Lock) { l.Pipelines[PipelineOS][0].Arch = "aarch64" }, nil, []string{"is built for aarch64; the manifest is for x86_64"}},
		{"another target", func(l *Lock) { l.Distro = "cs10" }, nil, []string{"made for cs10/x86_64, the manifest is for cs9/x86_64"}},
		{"own packages whose requirements the lock lacks", func(l *Lock) { drop(l, PipelineOS, "podman") }, []LockedPackage{
			{Name: "qm", Version: "1.0", Release: "1", Arch: "noarch", Checksum: goodSum, URL: "file:///out/rpms/qm-1.0-1.noarch.rpm"},
		}, []string{`package "podman" (required by qm) is missing`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := fixture()
			tc.edit(l)
			_, err := m.Serialize(l, tc.own...)
			require.Error(t, err)
			for _, w := range tc.want {
				require.Contains(t, err.Error(), w)
			}
			require.Contains(t, err.Error(), lockFixture("cs9", "x86_64"))
			require.True(t, err.(interface{ BadInput() bool }).BadInput())
		})
	}
}

func TestSerializeTakesOwnPackages(t *testing.T) {
	c := kvmContent(t, "cs9", "x86_64")
	m, err := NewManifest(ManifestOptions{Content: c})
	require.NoError(t, err)
	var own []LockedPackage
	for _, p := range c.Packages {
		lp, err := OwnPackage(p, strings.NewReader("rpm bytes of "+p.Name), "file:///out/rpms/"+p.FileName())
		require.NoError(t, err)
		own = append(own, lp)
	}
	got, err := m.Serialize(loadLockNoUpdate(t, "cs9", "x86_64"), own...)
	require.NoError(t, err)
	d := decodeManifest(t, got)
	for _, lp := range own {
		require.Contains(t, string(d.Sources["org.osbuild.curl"].Items[lp.Checksum]), lp.URL)
	}
	requireWellFormed(t, got, c, "x86_64")
}

func FuzzParseLock(f *testing.F) {
	for _, g := range goldenTargets {
		data, err := os.ReadFile(lockFixture(g.distro, g.arch))
		require.NoError(f, err)
		f.Add(data)
	}
	f.Add([]byte(lockText("")))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseLock(bytes.NewReader(data), "fuzz.json")
		if err != nil {
			require.True(t, err.(interface{ BadInput() bool }).BadInput(), "%v", err)
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
