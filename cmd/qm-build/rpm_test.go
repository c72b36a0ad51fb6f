package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec/rpm/rpmtest"
	"github.com/qm-build/qm-build/rpmspec/sign"
	"github.com/qm-build/qm-build/test/composed"
	"github.com/qm-build/qm-build/test/verifiers"
)

const rpmTestEpoch = "SOURCE_DATE_EPOCH=1700000000"

// rpmNames lists the .rpm files in dir, sorted.
func rpmNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

func TestRPMCommand(t *testing.T) {
	r := rpmtest.NewRPM(t)
	t.Run("qm and a drop-in, reproducibly", func(t *testing.T) {
		out1, out2 := t.TempDir(), t.TempDir()
		res := runCLI(t, []string{rpmTestEpoch}, "rpm", "--dropin", "kvm", "--out", out1)
		require.Equal(t, exitOK, res.code, res.stderr)
		require.Equal(t, filepath.Join(out1, "qm-1.0-1.noarch.rpm")+"\n"+filepath.Join(out1, "qm-kvm-1.0-1.noarch.rpm")+"\n", res.stdout)
		require.Equal(t, []string{"qm-1.0-1.noarch.rpm", "qm-kvm-1.0-1.noarch.rpm"}, rpmNames(t, out1))
		require.Equal(t, exitOK, runCLI(t, []string{rpmTestEpoch}, "rpm", "--dropin", "kvm", "--out", out2).code)
		for _, n := range rpmNames(t, out1) {
			a, err := os.ReadFile(filepath.Join(out1, n))
			require.NoError(t, err)
			b, err := os.ReadFile(filepath.Join(out2, n))
			require.NoError(t, err)
			require.Equal(t, a, b, "%s differs between two runs", n)
			require.Equal(t, "1700000000 zstd", r.Query(t, "%{BUILDTIME} %{PAYLOADCOMPRESSOR}", filepath.Join(out1, n)))
		}
	})
	t.Run("version, release, compression, several --dropin forms", func(t *testing.T) {
		out := t.TempDir()
		res := runCLI(t, nil, "rpm", "--pkg-version", "2.1", "--pkg-release", "4", "--compress", "xz", "--dropin", "sound,tty7", "--dropin", "text2speech", "--out", out)
		require.Equal(t, exitOK, res.code, res.stderr)
		require.Equal(t, []string{"qm-2.1-4.noarch.rpm", "qm-sound-2.1-4.noarch.rpm", "qm-text2speech-2.1-4.noarch.rpm", "qm-tty7-2.1-4.noarch.rpm"}, rpmNames(t, out))
		got := r.Query(t, "%{PAYLOADCOMPRESSOR} [%{REQUIRENEVRS},]", filepath.Join(out, "qm-text2speech-2.1-4.noarch.rpm"))
		require.Contains(t, got, "xz ")
		require.Contains(t, got, "qm >= 2.1-4,")
		require.Contains(t, got, "qm-sound >= 2.1-4,")
	})
	t.Run("all without the hook program: left out, with a note", func(t *testing.T) {
		out := t.TempDir()
		res := runCLI(t, nil, "rpm", "--dropin", "all", "--out", out)
		require.Equal(t, exitOK, res.code, res.stderr)
		require.Equal(t, "note: qm-oci-hooks: not built, no hook program (make hook; --hook-binary bin/qm-oci-hook); packages that set annotations require it\n", res.stderr)
		require.NotContains(t, strings.Join(rpmNames(t, out), " "), "qm-oci-hooks")
		require.Contains(t, rpmNames(t, out), "qm-sound-1.0-1.noarch.rpm")
		named := runCLI(t, nil, "rpm", "--dropin", "oci-hooks", "--out", t.TempDir())
		require.Equal(t, exitBadInput, named.code)
		require.Contains(t, named.stderr, "--hook-binary: qm-oci-hooks ships QM's OCI hook program")
		missing := runCLI(t, nil, "rpm", "--dropin", "oci-hooks", "--hook-binary", filepath.Join(out, "nosuch"), "--out", t.TempDir())
		require.Equal(t, exitBadInput, missing.code)
		require.Contains(t, missing.stderr, "--hook-binary: open ")
	})
	t.Run("all drop-ins and a user drop-in directory, as JSON", func(t *testing.T) {
		out := t.TempDir()
		res := runCLI(t, []string{rpmTestEpoch}, "rpm", "--dropin", "all", "--dropin-dir", composed.UserDropinDir(t), "--out", out, "--output", "json",
			"--hook-binary", hookBinary(t))
		require.Equal(t, exitOK, res.code, res.stderr)
		var arts []struct{ Kind, Path, SHA256 string }
		require.NoError(t, json.Unmarshal([]byte(res.stdout), &arts))
		pkgs := composed.All(t)
		require.Len(t, arts, len(pkgs))
		for i, p := range pkgs {
			require.Equal(t, p.FileName(), filepath.Base(arts[i].Path))
			require.Equal(t, "rpm", arts[i].Kind)
			require.Len(t, arts[i].SHA256, 64)
		}
		require.Contains(t, rpmNames(t, out), "qm-front-camera-1.0-1.noarch.rpm")
	})
	t.Run("signed", func(t *testing.T) {
		key, armored, err := sign.Generate("qm-build test", "test@localhost", time.Unix(1690000000, 0))
		require.NoError(t, err)
		dir := t.TempDir()
		keyFile := filepath.Join(dir, "key.asc")
		require.NoError(t, os.WriteFile(keyFile, armored, 0o600))
		pub, err := key.PublicKeyArmored()
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "key.pub"), pub, 0o644))
		out := filepath.Join(dir, "rpms")
		res := runCLI(t, []string{rpmTestEpoch}, "rpm", "--dropin", "video", "--sign-key", keyFile, "--out", out)
		require.Equal(t, exitOK, res.code, res.stderr)
		db := filepath.Join(dir, "db")
		require.Equal(t, 0, r.Run(t, "rpmkeys", "--dbpath", db, "--import", filepath.Join(dir, "key.pub")).Code)
		for _, n := range rpmNames(t, out) {
			v := r.Run(t, "rpmkeys", "--dbpath", db, "-Kv", filepath.Join(out, n))
			require.Equal(t, 0, v.Code, v.Stdout+v.Stderr)
			require.Contains(t, v.Stdout, "Header V4 RSA/SHA256 Signature, key ID "+key.KeyID()[8:]+": OK")
		}
	})
}

func TestRPMCommandBadInput(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.asc")
	require.NoError(t, os.WriteFile(garbage, []byte("-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nnot a key\n-----END PGP PRIVATE KEY BLOCK-----\n"), 0o600))
	bad := filepath.Join(dir, "bad")
	require.NoError(t, os.Mkdir(bad, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(bad, "x.yaml"), []byte("name: x\nsummary: s\ndescription: d\nfiles:\n  - path: /etc/passwd\n    mode: \"0644\"\n    content: x\n"), 0o644))
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown drop-in", []string{"--dropin", "kvm,nosuch"}, `unknown drop-in "nosuch"; known drop-ins: dvb, img-tempdir, input, kvm, oci-hooks, radio, ros2, sound, text2speech, tty7, ttyUSB0, video, wayland, windowmanager, all`},
		{"version with a dash", []string{"--pkg-version", "1.0-2"}, `--pkg-version: "1.0-2" must not contain '-'`},
		{"release with whitespace", []string{"--pkg-release", "1 2"}, `--pkg-release: "1 2" must not contain whitespace`},
		{"empty release", []string{"--pkg-release", ""}, `--pkg-release: "" must not be empty`},
		{"unknown compressor", []string{"--compress", "bzip2"}, `--compress: "bzip2" is not a payload compression`},
		{"malformed signing key", []string{"--sign-key", garbage}, "signing key " + garbage + ": not an OpenPGP key"},
		{"missing signing key", []string{"--sign-key", filepath.Join(dir, "nope.asc")}, "--sign-key: open "},
		{"drop-in file outside the allowed paths", []string{"--dropin-dir", bad}, bad + "/x.yaml:5: files[0].path: /etc/passwd is outside the paths a drop-in may own"},
		{"not a directory", []string{"--dropin-dir", garbage}, "--dropin-dir " + garbage + ": not a directory"},
		{"bad --output", []string{"--output", "yaml"}, `--output "yaml": want one of text, json`},
		{"stray argument", []string{"kvm"}, `unexpected argument "kvm"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "rpms")
			res := runCLI(t, nil, append([]string{"rpm", "--out", out}, tc.args...)...)
			require.Equal(t, exitBadInput, res.code, res.stderr)
			require.Contains(t, res.stderr, tc.want)
			require.NoDirExists(t, out, "bad input wrote the output directory")
		})
	}
}

// TestRPMCommandKilledMidway runs the real CLI in a subprocess over a DIR
// holding an earlier run's packages, built with the test hooks so that it
// stops after the first package is in the staging directory
// (QM_BUILD_TEST_RPM_STOP_AFTER=1, cli.StopAfter), interrupts it there, and
// checks that DIR is exactly as it was. SIGTERM and SIGINT remove the
// staging directory on the way out; after SIGKILL the next run recognises it
// as its own and removes it. Nothing depends on timing: the process waits
// for the signal.
func TestRPMCommandKilledMidway(t *testing.T) {
	r := rpmtest.NewRPM(t)
	total := len(composed.Compose(t, []string{"all"}))
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			parent := t.TempDir()
			out := filepath.Join(parent, "rpms")
			res := runCLI(t, []string{rpmTestEpoch}, "rpm", "--pkg-version", "0.9", "--out", out)
			require.Equal(t, exitOK, res.code, res.stderr)
			before := treeListing(t, parent)
			staging := filepath.Join(parent, ".rpms.qm-build-*")

			cmd := hookedCommand(t, "rpm", "--dropin", "all", "--out", out)
			cmd.Env = append(cmd.Env, "QM_BUILD_TEST_RPM_STOP_AFTER=1", rpmTestEpoch)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			require.NoError(t, cmd.Start())
			// A hang guard, not a timing assertion: the package appears in
			// seconds and the process then waits for the signal.
			deadline := time.Now().Add(5 * time.Minute)
			for {
				staged, err := filepath.Glob(filepath.Join(staging, "*.rpm"))
				require.NoError(t, err)
				if len(staged) > 0 {
					require.Len(t, staged, 1, "the process stopped after the first package")
					require.Less(t, len(staged), total)
					break
				}
				require.True(t, time.Now().Before(deadline), "no package appeared: %s", stderr.String())
				time.Sleep(20 * time.Millisecond)
			}
			require.NoError(t, cmd.Process.Signal(sig))
			require.Error(t, cmd.Wait(), "the build was not interrupted")
			left, err := filepath.Glob(staging)
			require.NoError(t, err)
			if sig != syscall.SIGKILL {
				require.Contains(t, stderr.String(), "context canceled", "stderr: %s", stderr.String())
				require.Empty(t, left, "the staging directory is removed on the way out")
				require.Equal(t, before, treeListing(t, parent), "the interrupted run changed the output")
				return
			}
			require.Len(t, left, 1, "a killed run leaves its staging directory")
			require.Equal(t, before, strings.Join(withoutStaging(strings.Split(treeListing(t, parent), "\n")), "\n"), "the killed run changed the output")
			res = runCLI(t, []string{rpmTestEpoch}, "rpm", "--dropin", "kvm", "--out", out)
			require.Equal(t, exitOK, res.code, res.stderr)
			left, err = filepath.Glob(staging)
			require.NoError(t, err)
			require.Empty(t, left, "the next run removes what the killed one left")
			require.Equal(t, []string{"qm-1.0-1.noarch.rpm", "qm-kvm-1.0-1.noarch.rpm"}, rpmNames(t, out))
			for _, n := range rpmNames(t, out) {
				res := r.Run(t, "rpm", "-K", "--nosignature", filepath.Join(out, n))
				require.Equal(t, 0, res.Code, "%s is partial: %s", n, res.Stdout)
			}
		})
	}
}

// hookBinary writes the hook program composed.Compose packages (x86_64) to
// a file, for --hook-binary.
func hookBinary(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "qm-oci-hook")
	require.NoError(t, os.WriteFile(p, composed.HookProgram(t, "amd64"), 0o755))
	return p
}

// withoutStaging drops the lines of a treeListing under a staging directory.
func withoutStaging(lines []string) []string {
	var out []string
	for _, l := range lines {
		if !strings.HasPrefix(l, "/.rpms.qm-build-") {
			out = append(out, l)
		}
	}
	return out
}

// TestRPMCommandReplacesTheDirectory: a second run with another version or
// other drop-ins leaves only its own packages (what `make rpm VERSION=1.2`
// after `make rpm` does), and DIR carries the epoch.
func TestRPMCommandReplacesTheDirectory(t *testing.T) {
	out := filepath.Join(t.TempDir(), "rpms")
	for _, run := range []struct {
		args []string
		want []string
	}{
		{[]string{"--dropin", "kvm"}, []string{"qm-1.0-1.noarch.rpm", "qm-kvm-1.0-1.noarch.rpm"}},
		{[]string{"--pkg-version", "1.2"}, []string{"qm-1.2-1.noarch.rpm"}},
		{[]string{"--pkg-version", "1.2", "--dropin", "sound"}, []string{"qm-1.2-1.noarch.rpm", "qm-sound-1.2-1.noarch.rpm"}},
	} {
		res := runCLI(t, []string{rpmTestEpoch}, append([]string{"rpm", "--out", out}, run.args...)...)
		require.Equal(t, exitOK, res.code, res.stderr)
		require.Equal(t, run.want, rpmNames(t, out), "after rpm %v", run.args)
	}
	fi, err := os.Stat(out)
	require.NoError(t, err)
	require.True(t, fi.ModTime().Equal(time.Unix(1700000000, 0)), "DIR itself carries SOURCE_DATE_EPOCH, not %s", fi.ModTime())
	require.Equal(t, os.FileMode(0o755), fi.Mode().Perm())
}

// TestRPMCommandRefusesForeignDirectories: --out never replaces a directory
// holding what qm-build does not write, and never follows a symlink in its
// place or in the place of a package. Nothing outside changes.
func TestRPMCommandRefusesForeignDirectories(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, out, outside string)
		want  string
	}{
		{"another file", func(t *testing.T, out, _ string) {
			require.NoError(t, os.MkdirAll(out, 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(out, "notes.txt"), []byte("mine\n"), 0o644))
		}, `holds "notes.txt", which is not written there by qm-build`},
		{"another package", func(t *testing.T, out, _ string) {
			require.NoError(t, os.MkdirAll(out, 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(out, "bash-5.2-1.x86_64.rpm"), []byte("x"), 0o644))
		}, `holds "bash-5.2-1.x86_64.rpm"`},
		{"DIR is a symlink", func(t *testing.T, out, outside string) {
			require.NoError(t, os.Symlink(outside, out))
		}, "is a symlink"},
		{"a package is a symlink", func(t *testing.T, out, outside string) {
			require.NoError(t, os.MkdirAll(out, 0o755))
			require.NoError(t, os.Symlink(filepath.Join(outside, "victim"), filepath.Join(out, "qm-1.0-1.noarch.rpm")))
		}, `holds "qm-1.0-1.noarch.rpm", a symlink, which is never followed`},
		{"DIR is a file", func(t *testing.T, out, _ string) {
			require.NoError(t, os.WriteFile(out, []byte("x"), 0o644))
		}, "exists and is not a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parent, outside := t.TempDir(), t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(outside, "victim"), []byte("keep\n"), 0o644))
			out := filepath.Join(parent, "rpms")
			tc.setup(t, out, outside)
			before, outsideBefore := treeListing(t, parent), treeListing(t, outside)
			res := runCLI(t, []string{rpmTestEpoch}, "rpm", "--out", out)
			require.Equal(t, exitBadInput, res.code, res.stderr)
			require.Contains(t, res.stderr, "--out "+out+": ")
			require.Contains(t, res.stderr, tc.want)
			require.Equal(t, before, treeListing(t, parent), "the refused run changed the output's parent")
			require.Equal(t, outsideBefore, treeListing(t, outside), "the refused run wrote outside")
		})
	}
}

// TestMakeRPMReplacesOut: upstream's `make rpm VERSION=1.2` after `make rpm`
// leaves only 1.2's packages in OUT/rpms (the Makefile's compatibility
// alias; it builds bin/qm-build as `make build` does).
func TestMakeRPMReplacesOut(t *testing.T) {
	mk := verifiers.Need(t, "make")
	out := t.TempDir()
	for _, run := range []struct {
		vars []string
		want []string
	}{
		{nil, []string{"qm-1.0-1.noarch.rpm"}},
		{[]string{"VERSION=1.2"}, []string{"qm-1.2-1.noarch.rpm"}},
	} {
		cmd := exec.Command(mk, append([]string{"-C", verifiers.RepoRoot(t), "rpm", "OUT=" + out}, run.vars...)...)
		cmd.Env = append(os.Environ(), rpmTestEpoch)
		res, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", res)
		require.Equal(t, run.want, rpmNames(t, filepath.Join(out, "rpms")), "after make rpm %v", run.vars)
	}
}
