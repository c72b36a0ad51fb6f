package blueprints

import (
	"bytes"
	"strings"
	"testing"

	"github.com/osbuild/blueprint/pkg/blueprint"
	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
)

const userBlueprint = `name = "car"
description = "the user's image"
version = "1.2.3"

[[packages]]
name = "vim-enhanced"

[[packages]]
name = "qm"

[customizations]
hostname = "car"

[customizations.services]
enabled = ["sshd"]

[[customizations.user]]
name = "driver"
groups = ["wheel"]

[[customizations.directories]]
path = "/etc/car"
mode = "0700"
group = 0

[[customizations.files]]
path = "/etc/car/id"
mode = "0600"
data = "vin-123\n"
`

func parse(t testing.TB, name, text string) Named {
	t.Helper()
	bp, err := ParseBlueprint(strings.NewReader(text), name)
	require.NoError(t, err)
	return Named{Name: name, Blueprint: bp}
}

func qmFragment(t testing.TB, o rootfs.Options) Named {
	t.Helper()
	f, err := NewFragment(compose(t, o), "qm")
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, EncodeTOML(&b, &f.Blueprint))
	return parse(t, "qm.toml", b.String())
}

func TestMergeKeepsTheUsersContentAndAddsQM(t *testing.T) {
	base := parse(t, "base.toml", userBlueprint)
	frag := qmFragment(t, rootfs.Options{Dropins: []string{"kvm"}})
	merged, err := Merge(base, frag, frag)
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, EncodeTOML(&out, merged))
	got := requireValidBlueprint(t, out.Bytes(), "merged.toml")

	user := base.Blueprint
	require.Equal(t, user.Name, got.Name)
	require.Equal(t, user.Description, got.Description)
	require.Equal(t, user.Version, got.Version)
	// The user's entries first, as written; qm is not added twice (the user's
	// unpinned entry stays); qm-kvm is added once although merged twice.
	require.Equal(t, []blueprint.Package{{Name: "vim-enhanced"}, {Name: "qm"}, {Name: "qm-kvm", Version: "1.0-1"}}, got.Packages)
	uc, gc := user.Customizations, got.Customizations
	require.Equal(t, uc.Hostname, gc.Hostname)
	require.Equal(t, uc.User, gc.User)
	require.Equal(t, uc.Services, gc.Services)
	require.Equal(t, uc.Directories[0], gc.Directories[0])
	require.Equal(t, uc.Files[0], gc.Files[0])
	// Every file and directory of the fragment is there once.
	for _, f := range frag.Blueprint.Customizations.Files {
		n := 0
		for _, g := range gc.Files {
			if g.Path == f.Path {
				n++
				require.Equal(t, f, g)
			}
		}
		require.Equal(t, 1, n, f.Path)
	}
	require.Len(t, gc.Directories, len(uc.Directories)+len(frag.Blueprint.Customizations.Directories))
	// The input is unchanged.
	require.Equal(t, parse(t, "base.toml", userBlueprint).Blueprint, user)
}

func TestMergeDeduplicatesServices(t *testing.T) {
	base := parse(t, "base.toml", "name = \"b\"\n[customizations.services]\nenabled = [\"a.service\", \"b.service\"]\n")
	frag := parse(t, "f.toml", "name = \"f\"\n[customizations.services]\nenabled = [\"b.service\", \"c.service\"]\nmasked = [\"d.service\"]\n")
	merged, err := Merge(base, frag)
	require.NoError(t, err)
	require.Equal(t, []string{"a.service", "b.service", "c.service"}, merged.Customizations.Services.Enabled)
	require.Equal(t, []string{"d.service"}, merged.Customizations.Services.Masked)
}

func TestMergeConflicts(t *testing.T) {
	for _, tc := range []struct {
		name, base, frag string
		want             []string
	}{
		{
			"same file, different content",
			"name = \"b\"\n[[customizations.files]]\npath = \"/etc/qm/containers/containers.conf\"\ndata = \"mine\\n\"\n",
			"name = \"f\"\n[[customizations.files]]\npath = \"/etc/qm/containers/containers.conf\"\ndata = \"theirs\\n\"\n",
			[]string{"/etc/qm/containers/containers.conf", "base.toml", "frag.toml"},
		},
		{
			"same file, different mode",
			"name = \"b\"\n[[customizations.files]]\npath = \"/etc/x\"\nmode = \"0600\"\ndata = \"x\"\n",
			"name = \"f\"\n[[customizations.files]]\npath = \"/etc/x\"\nmode = \"0644\"\ndata = \"x\"\n",
			[]string{"/etc/x", "base.toml", "frag.toml"},
		},
		{
			"a directory where the other has a file",
			"name = \"b\"\n[[customizations.files]]\npath = \"/etc/qm\"\ndata = \"x\"\n",
			"name = \"f\"\n[[customizations.directories]]\npath = \"/etc/qm\"\n",
			[]string{"/etc/qm", "base.toml", "frag.toml"},
		},
		{
			"enabled here, masked there",
			"name = \"b\"\n[customizations.services]\nmasked = [\"bluechi-agent.service\"]\n",
			"name = \"f\"\n[customizations.services]\nenabled = [\"bluechi-agent.service\"]\n",
			[]string{"bluechi-agent.service", "base.toml", "frag.toml"},
		},
		{
			"two pinned versions",
			"name = \"b\"\n[[packages]]\nname = \"qm\"\nversion = \"0.7.4\"\n",
			"name = \"f\"\n[[packages]]\nname = \"qm\"\nversion = \"1.0-1\"\n",
			[]string{"qm", "0.7.4", "1.0-1", "base.toml", "frag.toml"},
		},
		{
			"a fragment writing /usr",
			"name = \"b\"\n",
			"name = \"f\"\n[[customizations.files]]\npath = \"/usr/lib/qm/rootfs/etc/hosts\"\ndata = \"x\"\n",
			[]string{"/usr/lib/qm/rootfs/etc/hosts", "frag.toml", "policies.CustomFilesPolicies"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Merge(parse(t, "base.toml", tc.base), parse(t, "frag.toml", tc.frag))
			require.Error(t, err)
			for _, w := range tc.want {
				require.Contains(t, err.Error(), w)
			}
			require.True(t, rpmspec.IsBadInput(err))
		})
	}
}

func TestMergeIdenticalFilesAreOne(t *testing.T) {
	text := "name = \"b\"\n[[customizations.files]]\npath = \"/etc/x\"\nmode = \"0644\"\ndata = \"same\\n\"\n"
	merged, err := Merge(parse(t, "base.toml", text), parse(t, "frag.toml", text))
	require.NoError(t, err)
	require.Len(t, merged.Customizations.Files, 1)
}
