package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/blueprints"
	"github.com/qm-build/qm-build/blueprints/stubrepo"
	"github.com/qm-build/qm-build/test/verifiers"
)

const fixtureLock = "../../blueprints/manifest/testdata/lock-cs9-x86_64.json"

// manifestStubRepo writes an indexed repository: qm-build's own packages as
// `qm-build rpm` writes them, and stand-ins for the distribution packages.
func manifestStubRepo(t *testing.T, arch string, dropins ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "repo")
	args := []string{"rpm", "--out", dir}
	for _, d := range dropins {
		args = append(args, "--dropin", d)
	}
	r := runCLI(t, pathEnv(t), args...)
	require.Equal(t, exitOK, r.code, r.stderr)
	var pf planFlags
	pf.O.Dropins = dropins
	b, err := composePackages(context.Background(), &env{stderr: io.Discard, getenv: func(string) string { return "" }}, &pf)
	require.NoError(t, err)
	_, err = stubrepo.WriteStubs(dir, arch, b.Content.Packages)
	require.NoError(t, err)
	res := verifiers.Run(t, verifiers.Need(t, "createrepo_c"), "-q", "--no-database", dir)
	require.Zero(t, res.Code, res.Stderr)
	return dir
}

func TestManifestBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"unknown distro", []string{"--distro", "rhel-8", "--packages-lock", fixtureLock}, []string{"--distro", `"rhel-8"`, "cs9 (centos-9), cs10 (centos-10), autosd9, autosd10, fedora-42"}},
		{"unknown arch", []string{"--distro", "cs9", "--arch", "s390x", "--packages-lock", fixtureLock}, []string{"--arch", `"s390x"`, "x86_64, aarch64"}},
		{"nothing resolves the packages", []string{"--distro", "cs9"}, []string{"--packages-lock", "--depsolve dnf"}},
		{"two resolvers", []string{"--distro", "cs9", "--packages-lock", fixtureLock, "--depsolve", "dnf"}, []string{"not both"}},
		{"another resolver", []string{"--distro", "cs9", "--depsolve", "yum"}, []string{`--depsolve "yum"`}},
		{"a lock for another plan", []string{"--distro", "cs9", "--packages-lock", fixtureLock, "--dropin", "sound"}, []string{`package "qm-sound" is missing`, "lock-cs9-x86_64.json"}},
		{"a lock for another target", []string{"--distro", "cs10", "--dropin", "kvm", "--packages-lock", fixtureLock}, []string{"made for cs9/x86_64"}},
		{"depsolve without repos", []string{"--distro", "cs9", "--depsolve", "dnf"}, []string{"--repo"}},
		{"no lock file", []string{"--distro", "cs9", "--packages-lock", "/nonexistent/lock.json"}, []string{"--packages-lock"}},
		{"missing own RPMs", []string{"--distro", "cs9", "--dropin", "kvm", "--packages-lock", fixtureLock, "--rpms", "/nonexistent"}, []string{"--rpms", "qm"}},
		{"a base blueprint with containers", []string{"--distro", "cs9", "--dropin", "kvm", "--packages-lock", fixtureLock, "--blueprint", writeTemp(t, "base.toml", "name = \"b\"\n[[containers]]\nsource = \"localhost/x\"\n")}, []string{"base.toml", "containers"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, pathEnv(t), append([]string{"manifest"}, tc.args...)...)
			require.Equal(t, exitBadInput, r.code, r.stderr)
			for _, w := range tc.want {
				require.Contains(t, r.stderr, w)
			}
			require.Empty(t, r.stdout)
		})
	}
}

func writeTemp(t *testing.T, name, text string) string {
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	return p
}

func TestManifestFromTheFixtureLock(t *testing.T) {
	r := runCLI(t, pathEnv(t), "manifest", "--distro", "cs9", "--arch", "x86_64", "--dropin", "kvm", "--packages-lock", fixtureLock)
	require.Equal(t, exitOK, r.code, r.stderr)
	golden, err := os.ReadFile("../../blueprints/manifest/testdata/manifest-cs9-x86_64-kvm.json")
	require.NoError(t, err)
	require.Equal(t, string(golden), r.stdout, "the CLI writes the library's golden manifest")

	t.Run("with the org.osbuild.qm stage", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "m.json")
		r := runCLI(t, pathEnv(t), "manifest", "--distro", "cs9", "--dropin", "kvm", "--memory-max", "1G", "--packages-lock", fixtureLock, "--qm-stage", "--out", out)
		require.Equal(t, exitOK, r.code, r.stderr)
		data, err := os.ReadFile(out)
		require.NoError(t, err)
		require.Contains(t, string(data), `"type": "org.osbuild.qm"`)
		require.Contains(t, string(data), `"memory_max": "1G"`)
		require.NotContains(t, string(data), "org.osbuild.inline")
	})
}

func TestManifestDepsolveLockAndBadLocks(t *testing.T) {
	verifiers.Need(t, "dnf")
	repo := manifestStubRepo(t, "aarch64", "kvm")
	dir := t.TempDir()
	lockPath, out := filepath.Join(dir, "lock.json"), filepath.Join(dir, "manifest.json")
	args := []string{"manifest", "--distro", "autosd10", "--arch", "aarch64", "--dropin", "kvm"}

	r := runCLI(t, pathEnv(t), append(args, "--depsolve", "dnf", "--repo", "stub="+repo, "--write-lock", lockPath, "--out", out)...)
	require.Equal(t, exitOK, r.code, r.stderr)
	resolved, err := os.ReadFile(out)
	require.NoError(t, err)
	var doc struct {
		Pipelines []struct{ Name string } `json:"pipelines"`
	}
	require.NoError(t, json.Unmarshal(resolved, &doc))
	require.Len(t, doc.Pipelines, 3)
	require.NotContains(t, string(resolved), "x86_64")

	t.Run("the written lock gives the same manifest offline", func(t *testing.T) {
		r := runCLI(t, pathEnv(t), append(args, "--packages-lock", lockPath)...)
		require.Equal(t, exitOK, r.code, r.stderr)
		require.Equal(t, string(resolved), r.stdout)
	})

	lockData, err := os.ReadFile(lockPath)
	require.NoError(t, err)
	edit := func(t *testing.T, f func(*blueprints.Lock)) string {
		l, err := blueprints.ParseLock(bytes.NewReader(lockData), "lock.json")
		require.NoError(t, err)
		f(l)
		var b bytes.Buffer
		require.NoError(t, l.Encode(&b))
		return writeTemp(t, "edited.json", b.String())
	}
	for _, tc := range []struct {
		name string
		f    func(*blueprints.Lock)
		want []string
	}{
		{"a bad checksum", func(l *blueprints.Lock) {
			p := &l.Pipelines[blueprints.PipelineQMRootfs][0]
			p.Checksum = "sha256:" + strings.Repeat("0", 64)
		}, []string{"bad checksum for bash-5.1.8-1.stub.aarch64", "edited.json:"}},
		{"a missing package", func(l *blueprints.Lock) {
			ps := l.Pipelines[blueprints.PipelineQMRootfs]
			for i, p := range ps {
				if p.Name == "podman" {
					l.Pipelines[blueprints.PipelineQMRootfs] = append(ps[:i], ps[i+1:]...)
					break
				}
			}
		}, []string{`package "podman" is missing (wanted by the qm_rootfs pipeline)`}},
		{"a file that is gone", func(l *blueprints.Lock) {
			l.Pipelines[blueprints.PipelineOS][0].Location = "gone.rpm"
		}, []string{"is missing", "gone.rpm does not exist"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, pathEnv(t), append(args, "--packages-lock", edit(t, tc.f))...)
			require.Equal(t, exitBadInput, r.code, r.stderr)
			for _, w := range tc.want {
				require.Contains(t, r.stderr, w)
			}
		})
	}

	t.Run("own RPMs from a directory", func(t *testing.T) {
		r := runCLI(t, pathEnv(t), append(args, "--packages-lock", lockPath, "--rpms", repo)...)
		require.Equal(t, exitOK, r.code, r.stderr)
		require.Contains(t, r.stdout, "file://"+repo+"/qm-1.0-1.noarch.rpm")
	})
}

func TestManifestDepsolveNamesTheMissingRequirement(t *testing.T) {
	verifiers.Need(t, "dnf")
	repo := manifestStubRepo(t, "x86_64")
	for _, f := range []string{"podman-5.4.0-1.stub.x86_64.rpm"} {
		require.NoError(t, os.Remove(filepath.Join(repo, f)))
	}
	r := verifiers.Run(t, verifiers.Need(t, "createrepo_c"), "-q", "--no-database", repo)
	require.Zero(t, r.Code, r.Stderr)
	res := runCLI(t, pathEnv(t), "manifest", "--distro", "cs9", "--depsolve", "dnf", "--repo", "stub="+repo)
	require.Equal(t, exitBadInput, res.code, res.stderr)
	require.Contains(t, res.stderr, "missing podman")
	require.Contains(t, res.stderr, "qm_rootfs")
}

// qm-build build writes the manifest when given a lock, with the RPMs it
// just built in place of the lock's.
func TestBuildWritesTheManifestWithALock(t *testing.T) {
	verifiers.Need(t, "dnf")
	repo := manifestStubRepo(t, "x86_64", "kvm")
	lock := filepath.Join(t.TempDir(), "lock.json")
	r := runCLI(t, pathEnv(t), "manifest", "--distro", "cs10", "--dropin", "kvm", "--depsolve", "dnf", "--repo", "stub="+repo, "--write-lock", lock, "--out", filepath.Join(t.TempDir(), "m.json"))
	require.Equal(t, exitOK, r.code, r.stderr)

	out := t.TempDir()
	r = runCLI(t, append(pathEnv(t), "QM_BUILD_PACKAGES_LOCK="+lock, "SOURCE_DATE_EPOCH=1700000000"), "build", "--out", out, "--dropin", "kvm")
	require.Equal(t, exitOK, r.code, r.stderr)
	data, err := os.ReadFile(filepath.Join(out, "manifest-cs10-x86_64.json"))
	require.NoError(t, err)
	require.Contains(t, string(data), "file://"+filepath.Join(out, "rpms", "qm-1.0-1.noarch.rpm"))
	require.Contains(t, string(data), "file://"+filepath.Join(out, "rpms", "qm-kvm-1.0-1.noarch.rpm"))
	require.FileExists(t, filepath.Join(out, "blueprint.toml"))
	require.NotContains(t, r.stdout, "not written")

	r = runCLI(t, append(pathEnv(t), "SOURCE_DATE_EPOCH=1700000000"), "build", "--out", t.TempDir(), "--dropin", "kvm")
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Contains(t, r.stdout+r.stderr, "manifest-cs10-x86_64.json not written", "without a lock the summary says why")
}
