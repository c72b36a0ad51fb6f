package check

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/rpmspec/rpm"
	"github.com/qm-build/qm-build/rpmspec/sign"
	"github.com/qm-build/qm-build/stages/check/target"
	"github.com/qm-build/qm-build/test/verifiers"
)

var testEpoch = time.Unix(1700000000, 0).UTC()

// packagesOf composes the qm and qm-kvm packages of a release.
func packagesOf(t *testing.T, release string) []*rpmspec.Package {
	return packagesWith(t, release, "kvm")
}

// packagesWith composes qm and the packages of the given drop-ins.
func packagesWith(t *testing.T, release string, dropins ...string) []*rpmspec.Package {
	t.Helper()
	cat, err := rpmspec.Builtin()
	require.NoError(t, err)
	plan, err := rootfs.NewPlan(rootfs.Options{Dropins: dropins, Release: release, Epoch: testEpoch}, cat)
	require.NoError(t, err)
	c, err := rootfs.Compose(plan, rootfs.Facts{})
	require.NoError(t, err)
	return c.Packages
}

func writePackages(t *testing.T, dir string, pkgs []*rpmspec.Package, key *sign.Key) []string {
	t.Helper()
	names, err := rpm.WriteDir(dir, pkgs, rpm.Options{BuildTime: testEpoch, Key: key})
	require.NoError(t, err)
	return names
}

func testKey(t *testing.T, name string) (*sign.Key, openpgp.EntityList) {
	t.Helper()
	k, _, err := sign.Generate(name, name+"@example.com", testEpoch)
	require.NoError(t, err)
	pub, err := k.PublicKeyArmored()
	require.NoError(t, err)
	ring, err := LoadKeyring(bytes.NewReader(pub), name+".asc")
	require.NoError(t, err)
	return k, ring
}

func checkPackages(t *testing.T, spec string, keyring openpgp.EntityList) *Report {
	t.Helper()
	tg, err := target.Open(spec, target.Options{})
	require.NoError(t, err)
	defer tg.Close()
	r, err := Run(context.Background(), tg, Options{Keyring: keyring})
	require.NoError(t, err)
	return r
}

func TestPackageRules(t *testing.T) {
	key, ring := testKey(t, "qm-build test")
	_, otherRing := testKey(t, "someone else")
	createrepo := verifiers.Need(t, "createrepo_c")

	for _, tc := range []struct {
		name    string
		setup   func(t *testing.T, dir string)
		repo    bool
		keyring openpgp.EntityList
		want    []string
	}{
		{"signed packages verify", func(t *testing.T, dir string) { writePackages(t, dir, packagesOf(t, "1"), key) }, false, ring, nil},
		{"a changed payload byte", func(t *testing.T, dir string) {
			names := writePackages(t, dir, packagesOf(t, "1"), key)
			p := filepath.Join(dir, names[0])
			data, err := os.ReadFile(p)
			require.NoError(t, err)
			data[len(data)-40] ^= 0xff
			require.NoError(t, os.WriteFile(p, data, 0o644))
		}, false, nil, []string{"QM801"}},
		{"signed by a key not in the keyring", func(t *testing.T, dir string) { writePackages(t, dir, packagesOf(t, "1"), key) }, false, otherRing, []string{"QM802"}},
		{"unsigned packages with a keyring", func(t *testing.T, dir string) { writePackages(t, dir, packagesOf(t, "1"), nil) }, false, ring, []string{"QM802"}},
		{"unsigned packages without a keyring", func(t *testing.T, dir string) { writePackages(t, dir, packagesOf(t, "1"), nil) }, false, nil, nil},
		{"drop-in from another release", func(t *testing.T, dir string) {
			writePackages(t, dir, packagesOf(t, "1")[:1], nil)
			writePackages(t, dir, packagesOf(t, "2")[1:], nil)
		}, false, nil, []string{"QM804", "QM805"}},
		{"qm-wayland with its own version, built with qm", func(t *testing.T, dir string) {
			pkgs := packagesWith(t, "1", "wayland")
			require.Equal(t, "0.1.0", byName(t, pkgs, "qm-wayland").Version, "upstream's own version")
			writePackages(t, dir, pkgs, nil)
		}, false, nil, nil},
		{"qm-wayland with its own version, from another build", func(t *testing.T, dir string) {
			pkgs := packagesWith(t, "1", "wayland")
			byName(t, pkgs, "qm-wayland").SourceRPM = "qm-wayland-0.1.0-1.src.rpm"
			writePackages(t, dir, pkgs, nil)
		}, false, nil, []string{"QM804"}},
		{"drop-in without Requires: qm", func(t *testing.T, dir string) {
			pkgs := packagesOf(t, "1")
			pkgs[1].Requires = rpmspec.Relations{}
			writePackages(t, dir, pkgs, nil)
		}, false, nil, []string{"QM805"}},
		{"a repository made by createrepo_c", func(t *testing.T, dir string) {
			writePackages(t, dir, packagesOf(t, "1"), nil)
			mustRun(t, createrepo, "--quiet", dir)
		}, true, nil, nil},
		{"a package replaced after createrepo_c", func(t *testing.T, dir string) {
			names := writePackages(t, dir, packagesOf(t, "1"), nil)
			mustRun(t, createrepo, "--quiet", dir)
			pkgs := packagesOf(t, "1")
			pkgs[0].Summary = "rebuilt"
			data := writeToBytes(t, pkgs[0])
			require.NoError(t, os.WriteFile(filepath.Join(dir, names[0]), data, 0o644))
		}, true, nil, []string{"QM803"}},
		{"a package the repodata does not list", func(t *testing.T, dir string) {
			writePackages(t, dir, packagesOf(t, "1")[:1], nil)
			mustRun(t, createrepo, "--quiet", dir)
			writePackages(t, dir, packagesOf(t, "1")[1:], nil)
		}, true, nil, []string{"QM803"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.setup(t, dir)
			spec := "rpms:" + dir
			if tc.repo {
				spec = dir // a repodata/ directory makes it a repository
			}
			r := checkPackages(t, spec, tc.keyring)
			require.Equal(t, tc.want, r.RuleIDs(), "findings:\n%v", r.Findings())
			require.Equal(t, 5, r.Rules)
		})
	}
}

func byName(t *testing.T, pkgs []*rpmspec.Package, name string) *rpmspec.Package {
	t.Helper()
	for _, p := range pkgs {
		if p.Name == name {
			return p
		}
	}
	require.Failf(t, "no package", "%s", name)
	return nil
}

func writeToBytes(t *testing.T, p *rpmspec.Package) []byte {
	var b bytes.Buffer
	require.NoError(t, rpm.Write(&b, p, rpm.Options{BuildTime: testEpoch}))
	return b.Bytes()
}

func mustRun(t *testing.T, tool string, args ...string) {
	t.Helper()
	r := verifiers.Run(t, tool, args...)
	require.Equal(t, 0, r.Code, r.Stderr)
}

// TestUnreadablePackages: a truncated or foreign file makes the target
// unreadable (bad input, exit status 2), never a panic.
func TestUnreadablePackages(t *testing.T) {
	dir := t.TempDir()
	names := writePackages(t, dir, packagesOf(t, "1"), nil)
	good, err := os.ReadFile(filepath.Join(dir, names[0]))
	require.NoError(t, err)
	for name, data := range map[string][]byte{
		"truncated in the header":  good[:200],
		"truncated in the payload": good[:len(good)-100],
		"not an RPM":               []byte("hello\n"),
		"empty":                    nil,
	} {
		t.Run(name, func(t *testing.T) {
			d := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(d, "qm-1.0-1.noarch.rpm"), data, 0o644))
			tg, err := target.Open("rpms:"+d, target.Options{})
			require.NoError(t, err)
			defer tg.Close()
			_, err = Run(context.Background(), tg, Options{})
			require.Error(t, err)
			var bi interface{ BadInput() bool }
			require.True(t, errors.As(err, &bi) && bi.BadInput(), "%v", err)
			require.Contains(t, err.Error(), "qm-1.0-1.noarch.rpm")
		})
	}
}

func TestSatisfies(t *testing.T) {
	qm := &rpmInfo{}
	qm.NEVRA.Version, qm.NEVRA.Release = "1.0", "2"
	for _, tc := range []struct {
		flags   int
		version string
		ok      bool
	}{
		{8, "1.0-2", true}, {8, "1.0-1", false}, {8, "1.0", true},
		{12, "1.0", true}, {12, "1.1", false}, {10, "1.0-3", true}, {2, "1.0-2", false},
		{8, "0:1.0-2", true}, {8, "1:1.0-2", false}, {0, "", true},
	} {
		require.Equal(t, tc.ok, satisfies(qm, requirement{Name: "qm", Version: tc.version, Flags: tc.flags}), "%d %s", tc.flags, tc.version)
	}
}

// TestDigestsAgreeWithRPM: rpm -K is the oracle for QM801.
func TestDigestsAgreeWithRPM(t *testing.T) {
	rpmTool := verifiers.Need(t, "rpm")
	dir := t.TempDir()
	names := writePackages(t, dir, packagesOf(t, "1"), nil)
	p := filepath.Join(dir, names[1])
	data, err := os.ReadFile(p)
	require.NoError(t, err)
	data[len(data)-40] ^= 0xff
	require.NoError(t, os.WriteFile(p, data, 0o644))
	r := checkPackages(t, "rpms:"+dir, nil)
	flagged := map[string]bool{}
	for _, f := range r.Errors {
		if f.Rule == "QM801" {
			flagged[f.Path] = true
		}
	}
	home := verifiers.ScratchHome(t)
	for _, n := range names {
		res := verifiers.Cmd{Env: []string{"HOME=" + home}}.Run(t, rpmTool, "-K", "--nosignature", "--dbpath", t.TempDir(), filepath.Join(dir, n))
		require.Equal(t, res.Code != 0, flagged[n], "rpm -K and QM801 disagree on %s: %s%s", n, res.Stdout, res.Stderr)
	}
	require.True(t, flagged[names[1]])
}
