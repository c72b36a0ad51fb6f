package mirror_test

import (
	"context"
	"errors"
	"os"
	"path"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/rpmspec/sign"
	"github.com/qm-build/qm-build/stages/publish/mirror"
	"github.com/qm-build/qm-build/stages/publish/publishtest/repocheck"
	"github.com/qm-build/qm-build/stages/publish/publishtest/testrpm"
	"github.com/qm-build/qm-build/test/verifiers"
)

var epoch = time.Unix(1710000000, 0).UTC()

// inputs are the project's noarch packages plus one package per arch.
func inputs(t *testing.T) []mirror.Input {
	t.Helper()
	dir := t.TempDir()
	files := testrpm.WriteProject(t, dir, nil)
	files = append(files, testrpm.Write(t, dir,
		testrpm.Spec{Name: "agent", Arch: "x86_64", Files: map[string]string{"/usr/bin/agent": "x86\n"}},
		testrpm.Spec{Name: "agent", Arch: "aarch64", Files: map[string]string{"/usr/bin/agent": "arm\n"}},
	)...)
	return read(t, files...)
}

func read(t *testing.T, files ...string) []mirror.Input {
	t.Helper()
	var out []mirror.Input
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		out = append(out, mirror.Input{Path: f, Data: data})
	}
	return out
}

func publish(t *testing.T, root string, in []mirror.Input, o mirror.Options) (*mirror.Result, error) {
	t.Helper()
	r, err := os.OpenRoot(root)
	require.NoError(t, err)
	defer r.Close()
	if o.Release == "" {
		o.Release = "9-stream"
	}
	if o.Arches == nil {
		o.Arches = []string{"x86_64", "aarch64"}
	}
	o.Time, o.Epoch = epoch, epoch
	return mirror.Publish(context.Background(), r, in, o)
}

// consistent checks both arches' repositories and returns their packages.
func consistent(t *testing.T, root string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, arch := range []string{"x86_64", "aarch64"} {
		listed, err := repocheck.Check(filepath.Join(root, mirror.RepoDir("9-stream", arch)))
		require.NoError(t, err, arch)
		out[arch] = listed
	}
	return out
}

func TestTwoArches(t *testing.T) {
	root := t.TempDir()
	in := inputs(t)
	res, err := publish(t, root, in, mirror.Options{})
	require.NoError(t, err)
	require.Len(t, res.Repos, 2)

	repos := consistent(t, root)
	noarch := len(in) - 2
	for _, arch := range []string{"x86_64", "aarch64"} {
		t.Run(arch, func(t *testing.T) {
			require.Len(t, repos[arch], noarch+1)
			require.Contains(t, repos[arch], "Packages/a/agent-1.0-1."+arch+".rpm")
			require.Contains(t, repos[arch], "Packages/q/qm-"+testrpm.Project(t)[0].Version+"-"+testrpm.Project(t)[0].Release+".noarch.rpm")
			for _, l := range repos[arch] {
				require.Equal(t, "Packages/"+path.Base(l)[:1], path.Dir(l), "first-letter directory")
			}
		})
	}

	t.Run("publishing again changes nothing", func(t *testing.T) {
		before, err := repocheck.Snapshot(root)
		require.NoError(t, err)
		res, err := publish(t, root, in, mirror.Options{})
		require.NoError(t, err)
		for _, r := range res.Repos {
			require.Empty(t, r.Added)
			require.False(t, r.Repodata)
		}
		after, err := repocheck.Snapshot(root)
		require.NoError(t, err)
		require.Equal(t, before, after)
	})

	t.Run("a new package is added next to the others", func(t *testing.T) {
		more := read(t, testrpm.Write(t, t.TempDir(), testrpm.Spec{Name: "zz-extra", Files: map[string]string{"/etc/zz": "z\n"}})...)
		res, err := publish(t, root, more, mirror.Options{})
		require.NoError(t, err)
		require.Equal(t, []string{mirror.RepoDir("9-stream", "x86_64") + "/Packages/z/zz-extra-1.0-1.noarch.rpm"}, res.Repos[0].Added)
		repos := consistent(t, root)
		require.Len(t, repos["x86_64"], noarch+2)
	})

	t.Run("a different package under a published name is refused", func(t *testing.T) {
		before, err := repocheck.Snapshot(root)
		require.NoError(t, err)
		other := read(t, testrpm.Write(t, t.TempDir(), testrpm.Spec{Name: "zz-extra", Files: map[string]string{"/etc/zz": "changed\n"}})...)
		_, err = publish(t, root, other, mirror.Options{})
		var ce *rpmspec.InputError
		require.ErrorAs(t, err, &ce)
		require.True(t, ce.BadInput())
		require.Contains(t, err.Error(), "bump the release")
		after, err := repocheck.Snapshot(root)
		require.NoError(t, err)
		require.Equal(t, before, after)
	})
}

func TestInterruptedPublishStaysConsistent(t *testing.T) {
	root := t.TempDir()
	first := read(t, testrpm.Write(t, t.TempDir(), testrpm.Generated(3)...)...)
	_, err := publish(t, root, first, mirror.Options{})
	require.NoError(t, err)
	before := consistent(t, root)

	// Stop after the second new RPM is in place.
	more := read(t, testrpm.Write(t, t.TempDir(), testrpm.Generated(10)[3:]...)...)
	ctx, cancel := context.WithCancel(context.Background())
	r, err := os.OpenRoot(root)
	require.NoError(t, err)
	defer r.Close()
	n := 0
	_, err = mirror.Publish(ctx, r, more, mirror.Options{
		Release: "9-stream", Arches: []string{"x86_64", "aarch64"}, Time: epoch, Epoch: epoch,
		Placed: func(string) {
			if n++; n == 2 {
				cancel()
			}
		},
	})
	require.True(t, errors.Is(err, context.Canceled), "%v", err)

	// The old repodata still stands and points only at files that exist;
	// the new RPMs are there but not indexed yet.
	for arch, want := range before {
		listed, err := repocheck.Check(filepath.Join(root, mirror.RepoDir("9-stream", arch)))
		if arch == "x86_64" {
			require.ErrorContains(t, err, "indexed", "present but not indexed yet")
		}
		require.Equal(t, want, listed)
	}

	_, err = publish(t, root, more, mirror.Options{})
	require.NoError(t, err)
	after := consistent(t, root)
	require.Len(t, after["x86_64"], 10)
	require.Len(t, after["aarch64"], 10)
}

func TestSignedMirror(t *testing.T) {
	rpmkeys := verifiers.Need(t, "rpmkeys")
	gpg := verifiers.Need(t, "gpg")
	key, _, err := sign.Generate("mirror", "mirror@example.com", epoch)
	require.NoError(t, err)
	key = key.At(epoch)
	root := t.TempDir()
	_, err = publish(t, root, inputs(t), mirror.Options{Signer: key})
	require.NoError(t, err)
	repo := filepath.Join(root, mirror.RepoDir("9-stream", "aarch64"))
	consistent(t, root)

	home := verifiers.ScratchHome(t)
	env := verifiers.Cmd{Env: []string{"HOME=" + home, "GNUPGHOME=" + home}}
	keyFile := filepath.Join(repo, "repodata", "repomd.xml.key")
	require.FileExists(t, keyFile)
	require.Equal(t, 0, env.Run(t, gpg, "--batch", "--import", keyFile).Code)
	r := env.Run(t, gpg, "--batch", "--verify", filepath.Join(repo, "repodata", "repomd.xml.asc"), filepath.Join(repo, "repodata", "repomd.xml"))
	require.Equal(t, 0, r.Code, r.Stderr)
	require.Contains(t, r.Stderr, "Good signature")

	db := t.TempDir()
	require.Equal(t, 0, env.Run(t, rpmkeys, "--dbpath", db, "--import", keyFile).Code)
	rpms, err := filepath.Glob(filepath.Join(repo, "Packages", "*", "*.rpm"))
	require.NoError(t, err)
	sort.Strings(rpms)
	require.NotEmpty(t, rpms)
	for _, f := range rpms {
		r := env.Run(t, rpmkeys, "--dbpath", db, "-K", f)
		require.Equal(t, 0, r.Code, r.Stdout)
		require.Contains(t, r.Stdout, "signatures OK")
	}

	t.Run("publishing again with the key changes nothing", func(t *testing.T) {
		before, err := repocheck.Snapshot(root)
		require.NoError(t, err)
		_, err = publish(t, root, inputs(t), mirror.Options{Signer: key})
		require.NoError(t, err)
		after, err := repocheck.Snapshot(root)
		require.NoError(t, err)
		require.Equal(t, before, after)
	})
}

func TestBadOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    mirror.Options
		want string
	}{
		{"release with a slash", mirror.Options{Release: "../x"}, "--releasever"},
		{"noarch is not an arch", mirror.Options{Arches: []string{"noarch"}}, "--arch"},
		{"no arch", mirror.Options{Arches: []string{}}, "--arch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := publish(t, t.TempDir(), nil, tc.o)
			require.ErrorContains(t, err, tc.want)
			var bi interface{ BadInput() bool }
			require.True(t, errors.As(err, &bi) && bi.BadInput())
		})
	}
}
