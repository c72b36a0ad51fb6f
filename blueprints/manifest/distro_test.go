package manifest

import (
	"fmt"
	"testing"

	"github.com/qm-build/qm-build/blueprints"
	"github.com/qm-build/qm-build/rpmspec"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs"
)

// syntheticLock resolves every request of m to one package per name, with
// made-up checksums: enough to serialize a manifest for any target.
func syntheticLock(m *Manifest) *blueprints.Lock {
	l := &blueprints.Lock{Version: blueprints.LockVersion, Repos: []blueprints.LockRepo{{ID: "r", BaseURL: "http://127.0.0.1/r/"}}, Pipelines: map[string][]blueprints.LockedPackage{}}
	n := 0
	for _, r := range m.Requests() {
		for _, w := range r.Packages {
			n++
			v, rel := "1", "1"
			if w.Own {
				v, rel = m.opts.Content.Plan.Version, m.opts.Content.Plan.Release
			}
			l.Pipelines[r.Pipeline] = append(l.Pipelines[r.Pipeline], blueprints.LockedPackage{
				Name: w.Name, Version: v, Release: rel, Arch: "noarch",
				Checksum: fmt.Sprintf("sha256:%064x", n), Repo: "r", Location: w.Name + ".rpm",
			})
		}
	}
	return l
}

func TestEveryTarget(t *testing.T) {
	runners := map[string]string{
		"cs9": "org.osbuild.centos9", "cs10": "org.osbuild.centos10",
		"autosd9": "org.osbuild.centos9", "autosd10": "org.osbuild.centos10",
		"fedora-42": "org.osbuild.fedora42",
	}
	require.ElementsMatch(t, DistroNames(), []string{"cs9", "cs10", "autosd9", "autosd10", "fedora-42"})
	for _, d := range DistroNames() {
		for _, a := range ArchNames() {
			t.Run(d+"/"+a, func(t *testing.T) {
				c := compose(t, rootfs.Options{Distro: d, Arch: a, Dropins: []string{"kvm"}})
				m, err := New(Options{Content: c})
				require.NoError(t, err)
				got, err := m.Serialize(syntheticLock(m))
				require.NoError(t, err)
				doc := decodeManifest(t, got)
				require.Equal(t, runners[d], doc.pipeline(t, blueprints.PipelineBuild).Runner)
				requireWellFormed(t, got, c, a)
			})
		}
	}
}

// Every distribution of rootfs.Targets has a build, and image-builder's
// names are aliases of qm-build's.
func TestTargetsHaveBuilds(t *testing.T) {
	require.Len(t, builds, len(rootfs.Targets))
	for _, tg := range rootfs.Targets {
		d, err := LookupDistro(tg.Name)
		require.NoError(t, err)
		require.Equal(t, tg.Name, d.Name)
		for _, a := range tg.Aliases {
			ad, err := LookupDistro(a)
			require.NoError(t, err)
			require.Equal(t, tg.Name, ad.Name)
		}
	}
	d, err := LookupDistro("centos-9")
	require.NoError(t, err)
	require.Equal(t, "9", d.Releasever)
}

func TestUnknownTarget(t *testing.T) {
	_, err := LookupDistro("rhel-10")
	require.ErrorContains(t, err, `unknown distribution "rhel-10"; supported: cs9 (centos-9), cs10 (centos-10), autosd9, autosd10, fedora-42`)
	require.True(t, rpmspec.IsBadInput(err))
	_, err = lookupArch("ppc64le")
	require.ErrorContains(t, err, `unknown architecture "ppc64le"; supported: x86_64, aarch64`)
}

func TestDropinRootfsPackagesGoIntoQMRootfs(t *testing.T) {
	c := compose(t, rootfs.Options{Distro: "cs10", Dropins: []string{"wayland"}})
	var extra []string
	for _, d := range c.Plan.Selected {
		extra = append(extra, d.RootfsPackages...)
	}
	require.NotEmpty(t, extra, "wayland declares rootfs-packages (qm-oci-hooks inside QM)")
	m, err := New(Options{Content: c})
	require.NoError(t, err)
	req := m.Requests()[1]
	require.Equal(t, blueprints.PipelineQMRootfs, req.Pipeline)
	var names []string
	for _, w := range req.Packages {
		names = append(names, w.Name)
	}
	require.Equal(t, append(append([]string(nil), RootfsPackages...), extra...), names)
	for _, w := range m.Requests()[2].Packages {
		require.NotContains(t, extra, w.Name, "rootfs packages are not installed on the host")
	}
}
