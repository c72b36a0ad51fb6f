package manifest

import (
	"strings"
	"testing"

	"github.com/qm-build/qm-build/blueprints"
	"github.com/qm-build/qm-build/rpmspec"

	"github.com/stretchr/testify/require"
)

func TestSerializeRefusesAnIncompleteLock(t *testing.T) {
	c := kvmContent(t, "cs9", "x86_64")
	m, err := New(Options{Content: c})
	require.NoError(t, err)
	fixture := func() *blueprints.Lock { return loadLockNoUpdate(t, "cs9", "x86_64") }
	drop := func(l *blueprints.Lock, pipeline, name string) {
		var keep []blueprints.LockedPackage
		for _, p := range l.Pipelines[pipeline] {
			if p.Name != name {
				keep = append(keep, p)
			}
		}
		l.Pipelines[pipeline] = keep
	}
	for _, tc := range []struct {
		name string
		edit func(*blueprints.Lock)
		own  []blueprints.LockedPackage
		want []string
	}{
		{"a requested package is missing", func(l *blueprints.Lock) { drop(l, blueprints.PipelineQMRootfs, "bluechi-agent") }, nil, []string{`package "bluechi-agent" is missing (wanted by the qm_rootfs pipeline)`}},
		{"two packages are missing", func(l *blueprints.Lock) {
			drop(l, blueprints.PipelineOS, "qm-kvm")
			drop(l, blueprints.PipelineBuild, "rpm")
		}, nil, []string{`"qm-kvm"`, `"rpm"`}},
		{"a pipeline is missing", func(l *blueprints.Lock) { delete(l.Pipelines, blueprints.PipelineQMRootfs) }, nil, []string{"no qm_rootfs pipeline", "podman"}},
		{"the wrong qm version", func(l *blueprints.Lock) {
			for i, p := range l.Pipelines[blueprints.PipelineOS] {
				if p.Name == "qm" {
					l.Pipelines[blueprints.PipelineOS][i].Version = "0.7.4"
				}
			}
		}, nil, []string{"the lock has qm-0.7.4-1.noarch", "wants qm 1.0-1"}},
		{"another architecture", func(l *blueprints.Lock) { l.Pipelines[blueprints.PipelineOS][0].Arch = "aarch64" }, nil, []string{"is built for aarch64; the manifest is for x86_64"}},
		{"another target", func(l *blueprints.Lock) { l.Distro = "cs10" }, nil, []string{"made for cs10/x86_64, the manifest is for cs9/x86_64"}},
		{"own packages whose requirements the lock lacks", func(l *blueprints.Lock) { drop(l, blueprints.PipelineOS, "podman") }, []blueprints.LockedPackage{
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
			require.True(t, rpmspec.IsBadInput(err))
		})
	}
}

func TestSerializeTakesOwnPackages(t *testing.T) {
	c := kvmContent(t, "cs9", "x86_64")
	m, err := New(Options{Content: c})
	require.NoError(t, err)
	var own []blueprints.LockedPackage
	for _, p := range c.Packages {
		lp, err := blueprints.OwnPackage(p, strings.NewReader("rpm bytes of "+p.Name), "file:///out/rpms/"+p.FileName())
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
