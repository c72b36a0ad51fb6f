package manifest

import (
	"bytes"
	"strings"
	"testing"

	"github.com/osbuild/blueprint/pkg/blueprint"

	"github.com/qm-build/qm-build/blueprints"
	"github.com/qm-build/qm-build/rpmspec"

	"github.com/stretchr/testify/require"
)

func TestBaseBlueprintGoesIntoOS(t *testing.T) {
	base := parse(t, "base.toml", `name = "car"
[[packages]]
name = "vim-enhanced"
[customizations]
hostname = "car"
[customizations.timezone]
timezone = "Europe/Berlin"
[customizations.services]
enabled = ["sshd.service"]
[[customizations.user]]
name = "driver"
[[customizations.files]]
path = "/etc/car.conf"
data = "fast\n"
`)
	c := kvmContent(t, "cs9", "x86_64")
	m, err := New(Options{Content: c, Base: base.Blueprint, BaseName: base.Name})
	require.NoError(t, err)
	osReq := m.Requests()[2]
	require.Equal(t, blueprints.PipelineOS, osReq.Pipeline)
	var names []string
	for _, w := range osReq.Packages {
		names = append(names, w.Name)
	}
	require.Subset(t, names, []string{"vim-enhanced", "qm", "qm-kvm", "shadow-utils"})

	lock := loadLockNoUpdate(t, "cs9", "x86_64")
	// The fixture has no vim-enhanced or user tools: the lock must be refused, by name.
	_, err = m.Serialize(lock)
	require.ErrorContains(t, err, `package "vim-enhanced" is missing`)
	for _, n := range []string{"vim-enhanced", "shadow-utils", "pam", "passwd"} {
		lock.Pipelines[blueprints.PipelineOS] = append(lock.Pipelines[blueprints.PipelineOS], blueprints.LockedPackage{Name: n, Version: "1", Release: "1", Arch: "x86_64", Checksum: goodSum, URL: "http://127.0.0.1/" + n + ".rpm"})
	}
	lock.Pipelines[blueprints.PipelineBuild] = append(lock.Pipelines[blueprints.PipelineBuild], blueprints.LockedPackage{Name: "shadow-utils", Version: "1", Release: "1", Arch: "x86_64", Checksum: goodSum, URL: "http://127.0.0.1/shadow-utils.rpm"})
	got, err := m.Serialize(lock)
	require.NoError(t, err)
	requireWellFormed(t, got, c, "x86_64")
	osp := decodeManifest(t, got).pipeline(t, blueprints.PipelineOS)
	for _, typ := range []string{"org.osbuild.hostname", "org.osbuild.timezone", "org.osbuild.users", "org.osbuild.systemd"} {
		require.GreaterOrEqual(t, osp.index(typ, nil), 0, typ)
	}
	require.Contains(t, copies(t, osp), "/etc/car.conf")
	// The additive subuid ranges come before the users are created.
	require.Less(t, osp.first("org.osbuild.copy", func(s mfStage) bool { return strings.Contains(string(s.Options["paths"]), "/etc/subuid") }), osp.index("org.osbuild.users", nil))
}

func TestBaseBlueprintErrors(t *testing.T) {
	for _, tc := range []struct {
		name, toml string
		want       []string
	}{
		{"unsupported customizations", "name = \"b\"\n[customizations]\nfips = true\n[customizations.kernel]\nappend = \"quiet\"\n", []string{"customizations.fips", "customizations.kernel", "not supported by qm-build manifest"}},
		{"containers", "name = \"b\"\n[[containers]]\nsource = \"localhost/app\"\n", []string{"containers"}},
		{"ntp servers", "name = \"b\"\n[customizations.timezone]\nntpservers = [\"0.pool\"]\n", []string{"ntpservers"}},
		{"a QM file with other content", "name = \"b\"\n[[customizations.files]]\npath = \"/etc/qm/containers/containers.conf\"\ndata = \"mine\\n\"\n", []string{"/etc/qm/containers/containers.conf", "conflicting content", "base.toml"}},
		{"a QM host file with other content", "name = \"b\"\n[[customizations.files]]\npath = \"/etc/subuid\"\ndata = \"me:1:2\\n\"\n", []string{"/etc/subuid", "conflicting content"}},
		{"a file where QM has a directory", "name = \"b\"\n[[customizations.files]]\npath = \"/etc/qm/bluechi\"\ndata = \"x\"\n", []string{"/etc/qm/bluechi", "conflicting entries"}},
		{"another qm version", "name = \"b\"\n[[packages]]\nname = \"qm\"\nversion = \"0.6.0\"\n", []string{"qm 0.6.0 conflicts with the 1.0-1"}},
		{"a denied path", "name = \"b\"\n[[customizations.files]]\npath = \"/usr/bin/x\"\ndata = \"x\"\n", []string{"/usr/bin/x", "policies.CustomFilesPolicies"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := parse(t, "base.toml", tc.toml)
			_, err := New(Options{Content: kvmContent(t, "cs9", "x86_64"), Base: base.Blueprint, BaseName: base.Name})
			require.Error(t, err)
			for _, w := range tc.want {
				require.Contains(t, err.Error(), w)
			}
			require.True(t, rpmspec.IsBadInput(err))
		})
	}
}

func TestBaseBlueprintIdenticalQMFileIsKeptOnce(t *testing.T) {
	c := kvmContent(t, "cs9", "x86_64")
	var body string
	for _, tf := range c.Tree {
		if tf.Path == "/etc/qm/containers/containers.conf" {
			body = string(tf.Body)
		}
	}
	require.NotEmpty(t, body)
	var text bytes.Buffer
	require.NoError(t, blueprints.EncodeTOML(&text, &blueprint.Blueprint{Name: "b", Customizations: &blueprint.Customizations{
		Files: []blueprint.FileCustomization{{Path: "/etc/qm/containers/containers.conf", Data: body}},
	}}))
	bp, err := blueprints.ParseBlueprint(&text, "base.toml")
	require.NoError(t, err)
	_, err = New(Options{Content: c, Base: bp, BaseName: "base.toml"})
	require.NoError(t, err)
}
