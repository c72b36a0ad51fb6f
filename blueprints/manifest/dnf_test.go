package manifest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/qm-build/qm-build/blueprints"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs"
)

func TestDepsolveDNFResolvesTheClosure(t *testing.T) {
	for _, arch := range []string{"x86_64", "aarch64"} {
		t.Run(arch, func(t *testing.T) {
			c := compose(t, rootfs.Options{Distro: "cs9", Arch: arch, Dropins: []string{"kvm"}})
			repo := stubRepo(t, arch, c)
			m, err := New(Options{Content: c})
			require.NoError(t, err)
			lock, err := DepsolveDNF(context.Background(), m, dnfOptions(t, repo))
			require.NoError(t, err)
			for _, r := range m.Requests() {
				got := lock.Pipelines[r.Pipeline]
				names := map[string]blueprints.LockedPackage{}
				for _, p := range got {
					names[p.Name] = p
					require.Contains(t, []string{arch, "noarch"}, p.Arch, p.NEVRA())
					data := readFile(t, filepath.Join(repo, p.Location))
					sum := sha256.Sum256(data)
					require.Equal(t, "sha256:"+hex.EncodeToString(sum[:]), p.Checksum, p.NEVRA())
					require.Equal(t, "stub", p.Repo)
				}
				for _, w := range r.Packages {
					p, ok := names[w.Name]
					require.True(t, ok, "%s: %s not resolved", r.Pipeline, w.Name)
					require.True(t, w.Matches(p), "%s: %s does not match %s", r.Pipeline, p.NEVRA(), w.Spec())
				}
			}
			// Dependencies come in although nobody asked for them by name.
			require.Contains(t, pkgNames(lock.Pipelines[blueprints.PipelineQMRootfs]), "conmon")
			require.Contains(t, pkgNames(lock.Pipelines[blueprints.PipelineQMRootfs]), "glibc")
			require.Contains(t, pkgNames(lock.Pipelines[blueprints.PipelineOS]), "podman", "qm requires podman")
			_, err = m.Serialize(lock)
			require.NoError(t, err)
		})
	}
}

func TestDepsolveDNFNamesWhatIsMissing(t *testing.T) {
	for _, tc := range []struct {
		omit, pipeline, want string
	}{
		{"podman", blueprints.PipelineQMRootfs, "podman"},
		{"bluechi-agent", blueprints.PipelineQMRootfs, "bluechi-agent"},
		{"conmon", blueprints.PipelineQMRootfs, "conmon (needed by podman-5.4.0-1.stub.x86_64)"},
		{"containers-common", blueprints.PipelineQMRootfs, "containers-common"},
	} {
		t.Run("without "+tc.omit, func(t *testing.T) {
			c := compose(t, rootfs.Options{Distro: "cs9", Arch: "x86_64", Dropins: []string{"kvm"}})
			repo := stubRepo(t, "x86_64", c, tc.omit)
			m, err := New(Options{Content: c})
			require.NoError(t, err)
			_, err = DepsolveDNF(context.Background(), m, dnfOptions(t, repo))
			var de *DepsolveError
			require.True(t, errors.As(err, &de), "%v", err)
			require.Equal(t, tc.pipeline, de.Pipeline)
			require.Contains(t, err.Error(), tc.want)
			require.True(t, de.BadInput())
		})
	}
}

func pkgNames(ps []blueprints.LockedPackage) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}

var _ = os.Getenv
