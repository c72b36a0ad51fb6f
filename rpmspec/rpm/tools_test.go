package rpm_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/rpmspec/rpm"
	"github.com/qm-build/qm-build/rpmspec/rpm/rpmtest"
	"github.com/qm-build/qm-build/rpmspec/sign"
	"github.com/qm-build/qm-build/test/composed"
	"github.com/qm-build/qm-build/test/rpmlint"
	"github.com/qm-build/qm-build/test/verifiers"
)

// TestSignedVerifyWithRPMKeys signs every package and checks the signatures
// with rpmkeys: NOKEY before the public key is imported, OK after.
func TestSignedVerifyWithRPMKeys(t *testing.T) {
	r := rpmtest.NewRPM(t)
	verifiers.Need(t, "rpmkeys")
	key, armored, err := sign.Generate("qm-build test", "test@localhost", rpmtest.Epoch.Add(-time.Hour))
	require.NoError(t, err)
	loaded, err := sign.LoadKey(strings.NewReader(string(armored)), "generated")
	require.NoError(t, err)
	pub, err := key.PublicKeyArmored()
	require.NoError(t, err)
	keyFile := filepath.Join(t.TempDir(), "RPM-GPG-KEY-qm-test")
	require.NoError(t, os.WriteFile(keyFile, pub, 0o644))
	db := t.TempDir()

	paths := writeAll(t, composed.All(t), rpm.Options{BuildTime: rpmtest.Epoch, Key: loaded})
	again := writeAll(t, composed.All(t), rpm.Options{BuildTime: rpmtest.Epoch, Key: loaded})
	for i, p := range paths {
		require.Equal(t, readFile(t, p), readFile(t, again[i]), "signed %s is not reproducible", filepath.Base(p))
		res := r.Run(t, "rpmkeys", "--dbpath", db, "-Kv", p)
		require.NotEqual(t, 0, res.Code, "verified without the key")
		require.Contains(t, res.Stdout, "NOKEY")
	}
	res := r.Run(t, "rpmkeys", "--dbpath", db, "--import", keyFile)
	require.Equal(t, 0, res.Code, res.Stderr)
	for _, p := range paths {
		res := r.Run(t, "rpmkeys", "--dbpath", db, "-Kv", p)
		require.Equal(t, 0, res.Code, res.Stdout+res.Stderr)
		require.Contains(t, res.Stdout, "Header V4 RSA/SHA256 Signature, key ID "+key.KeyID()[8:]+": OK")
		require.Contains(t, res.Stdout, "    V4 RSA/SHA256 Signature, key ID "+key.KeyID()[8:]+": OK")
		require.Contains(t, res.Stdout, "Payload SHA256 digest: OK")
	}
}

// stubProvider is a package that provides every requirement of pkgs that the
// set does not provide itself (podman, /bin/sh, …), so that the set installs
// into an empty root with dependency checks on.
func stubProvider(pkgs []*rpmspec.Package) *rpmspec.Package {
	provided := map[string]bool{}
	for _, p := range pkgs {
		provided[p.Name] = true
		for _, r := range p.Provides {
			provided[r.Name] = true
		}
		for _, f := range p.Files {
			provided[f.Path] = true
		}
	}
	stub := &rpmspec.Package{Name: "qm-test-deps", Version: "99", Release: "1", Arch: "noarch", Summary: "test stub", Description: "test stub", License: rpmspec.License}
	for _, p := range pkgs {
		names := []string{"/bin/sh"}
		for _, r := range p.Requires {
			names = append(names, r.Name)
		}
		for _, n := range names {
			if !provided[n] {
				stub.Provides.Add(rpmspec.Relation{Name: n, Op: "=", Version: "9999"})
				provided[n] = true
			}
		}
	}
	return stub
}

// TestInstallAndVerify installs every package with rpm into an empty root,
// dependency checks on, and checks `rpm -V`; qm-kvm without qm must fail.
func TestInstallAndVerify(t *testing.T) {
	r := rpmtest.NewRPM(t)
	pkgs := composed.All(t)
	paths := writeAll(t, append([]*rpmspec.Package{stubProvider(pkgs)}, pkgs...), rpm.Options{BuildTime: rpmtest.Epoch})
	root := t.TempDir()
	rpmIn := func(args ...string) verifiers.Result {
		return r.Run(t, "rpm", append([]string{"--root", root, "--dbpath", "/var/lib/rpm"}, args...)...)
	}
	require.Equal(t, 0, rpmIn("--initdb").Code)

	t.Run("drop-in without qm", func(t *testing.T) {
		var kvm string
		for _, p := range paths {
			if filepath.Base(p) == "qm-kvm-1.0-1.noarch.rpm" {
				kvm = p
			}
		}
		require.NotEmpty(t, kvm)
		res := rpmIn("--force-debian", "-ivh", "--noscripts", kvm)
		require.NotEqual(t, 0, res.Code)
		require.Contains(t, res.Stderr, "qm >= 1.0-1 is needed by qm-kvm-1.0-1.noarch")
	})
	t.Run("install all", func(t *testing.T) {
		res := rpmIn(append([]string{"--force-debian", "-ivh", "--noscripts"}, paths...)...)
		require.Equal(t, 0, res.Code, res.Stdout+res.Stderr)
	})
	for _, p := range pkgs {
		t.Run("verify "+p.Name, func(t *testing.T) {
			res := rpmIn("-V", p.Name)
			require.Equal(t, 0, res.Code, res.Stdout+res.Stderr)
			require.Empty(t, res.Stdout)
			for _, f := range p.Files {
				if f.Flags&rpmspec.FlagGhost != 0 {
					continue
				}
				fi, err := os.Lstat(filepath.Join(root, f.Path))
				require.NoError(t, err)
				require.Equal(t, f.Mode.Perm(), fi.Mode().Perm(), f.Path)
			}
		})
	}
}

// TestRPMLint lints every package with the checked-in configuration:
// rpmlint must find no error and no warning the configuration does not
// explain. rpmlint reads the file classes (FILECLASS) for its binary checks
// and unpacks the payload for its content checks (test/rpmlint).
func TestRPMLint(t *testing.T) {
	key, _, err := sign.Generate("qm-build test", "test@localhost", rpmtest.Epoch.Add(-time.Hour))
	require.NoError(t, err)
	for _, signed := range []*sign.Key{nil, key} {
		paths := writeAll(t, composed.All(t), rpm.Options{BuildTime: rpmtest.Epoch, Key: signed})
		res := rpmlint.Run(t, paths...)
		require.Equal(t, 0, res.Code, res.Stdout+res.Stderr)
		require.Contains(t, res.Stdout, fmt.Sprintf("%d packages and 0 specfiles checked; 0 errors, 0 warnings", len(paths)), res.Stdout)
	}
}

// TestScriptletsPassShellcheck runs shellcheck on every scriptlet as rpm
// stores it, for the real packages and the edge fixture.
func TestScriptletsPassShellcheck(t *testing.T) {
	verifiers.Need(t, "shellcheck")
	r := rpmtest.NewRPM(t)
	n := 0
	for set, pkgs := range fixtureSets(t) {
		paths := writeAll(t, pkgs, rpm.Options{BuildTime: rpmtest.Epoch})
		for i, p := range pkgs {
			p.Scripts.Each(func(section, _ string) {
				n++
				t.Run(set+"/"+p.Name+"/"+section, func(t *testing.T) {
					body := r.Query(t, "%{"+scriptTags[section]+"}", paths[i])
					res := verifiers.Cmd{Stdin: []byte(body)}.Run(t, "shellcheck", "-s", "sh", "-f", "gcc", "-")
					require.Equal(t, 0, res.Code, "%%%s of %s:\n%s\n%s", section, p.Name, body, res.Stdout)
				})
			})
		}
	}
	require.NotZero(t, n, "no scriptlet was checked")
}
