package manifest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/qm-build/qm-build/blueprints"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/test/golden"
)

// goldenTargets are the manifests reviewed once and kept in testdata.
var goldenTargets = []struct{ distro, arch string }{
	{"cs9", "x86_64"}, {"cs9", "aarch64"}, {"cs10", "x86_64"}, {"cs10", "aarch64"},
}

// fixtureBaseURL stands for the repository the lock fixtures were resolved
// from (a local stub repository; see testdata/README.md).
func fixtureBaseURL(distro, arch string) string {
	return fmt.Sprintf("http://127.0.0.1:8080/qm-build-stubs/%s/%s/", distro, arch)
}

func lockFixture(distro, arch string) string {
	return filepath.Join("testdata", fmt.Sprintf("lock-%s-%s.json", distro, arch))
}

func kvmContent(t testing.TB, distro, arch string) *rootfs.Content {
	return compose(t, rootfs.Options{Distro: distro, Arch: arch, Dropins: []string{"kvm"}})
}

// loadLock reads a lock fixture; with -update it first resolves it again with
// dnf against the stub repository.
func loadLock(t testing.TB, m *Manifest, c *rootfs.Content, distro, arch string) *blueprints.Lock {
	t.Helper()
	name := lockFixture(distro, arch)
	if golden.Update() {
		repo := stubRepo(t, arch, c)
		lock, err := DepsolveDNF(context.Background(), m, dnfOptions(t, repo))
		require.NoError(t, err)
		lock.Repos[0].BaseURL = fixtureBaseURL(distro, arch)
		var b bytes.Buffer
		require.NoError(t, lock.Encode(&b))
		require.NoError(t, os.WriteFile(name, b.Bytes(), 0o644))
	}
	f, err := os.Open(name)
	require.NoError(t, err)
	defer f.Close()
	lock, err := blueprints.ParseLock(f, name)
	require.NoError(t, err)
	return lock
}

func TestGoldenManifests(t *testing.T) {
	for _, g := range goldenTargets {
		t.Run(g.distro+"/"+g.arch, func(t *testing.T) {
			c := kvmContent(t, g.distro, g.arch)
			m, err := New(Options{Content: c})
			require.NoError(t, err)
			lock := loadLock(t, m, c, g.distro, g.arch)
			got, err := m.Serialize(lock)
			require.NoError(t, err)
			golden.Check(t, filepath.Join("testdata", fmt.Sprintf("manifest-%s-%s-kvm.json", g.distro, g.arch)), got)
			requireWellFormed(t, got, c, g.arch)
		})
	}
}

func TestManifestIsReproducible(t *testing.T) {
	c := kvmContent(t, "cs9", "aarch64")
	m, err := New(Options{Content: c})
	require.NoError(t, err)
	lock := loadLock(t, m, c, "cs9", "aarch64")
	a, err := m.Serialize(lock)
	require.NoError(t, err)
	m2, err := New(Options{Content: kvmContent(t, "cs9", "aarch64")})
	require.NoError(t, err)
	b, err := m2.Serialize(lock)
	require.NoError(t, err)
	require.Equal(t, a, b)
}

// The checked-in locks are what dnf resolves today from the stub repository.
func TestLockFixturesMatchDNF(t *testing.T) {
	if golden.Update() {
		t.Log("locks were just rewritten by -update")
	}
	for _, arch := range []string{"x86_64", "aarch64"} {
		t.Run(arch, func(t *testing.T) {
			c := kvmContent(t, "cs9", arch)
			m, err := New(Options{Content: c})
			require.NoError(t, err)
			fixture := loadLock(t, m, c, "cs9", arch)
			lock, err := DepsolveDNF(context.Background(), m, dnfOptions(t, stubRepo(t, arch, c)))
			require.NoError(t, err)
			for pl := range fixture.Pipelines {
				want, got := pkgNames(fixture.Pipelines[pl]), pkgNames(lock.Pipelines[pl])
				sort.Strings(want)
				sort.Strings(got)
				require.Equal(t, want, got, pl)
			}
		})
	}
}
