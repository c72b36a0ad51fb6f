package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/blueprints"
)

func TestBlueprintFragment(t *testing.T) {
	out := filepath.Join(t.TempDir(), "qm.toml")
	r := runCLI(t, nil, "blueprint", "--dropin", "kvm", "--memory-max", "2G", "--name", "qm-car", "--out", out)
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Empty(t, r.stdout)
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	bp, err := blueprints.ParseBlueprint(strings.NewReader(string(data)), out)
	require.NoError(t, err)
	require.NoError(t, blueprints.ValidateFragment(bp, out))
	require.Equal(t, "qm-car", bp.Name)
	require.Equal(t, []string{"qm-1.0-1", "qm-kvm-1.0-1"}, bp.GetPackagesEx(false))
	require.Contains(t, string(data), "MemoryMax=2G")
	require.Contains(t, string(data), "# QM blueprint fragment written by qm-build")
	for _, f := range bp.Customizations.Files {
		require.True(t, strings.HasPrefix(f.Path, "/etc/"), f.Path)
	}
}

func TestBlueprintMerge(t *testing.T) {
	dir := t.TempDir()
	base := writeTemp(t, "base.toml", "name = \"car\"\n\n[[packages]]\nname = \"vim-enhanced\"\n\n[customizations.services]\nenabled = [\"sshd\"]\n")
	frag := filepath.Join(dir, "qm.toml")
	r := runCLI(t, nil, "blueprint", "--dropin", "kvm", "--out", frag)
	require.Equal(t, exitOK, r.code, r.stderr)

	r = runCLI(t, nil, "blueprint", "merge", base, frag, frag)
	require.Equal(t, exitOK, r.code, r.stderr)
	bp, err := blueprints.ParseBlueprint(strings.NewReader(r.stdout), "merged.toml")
	require.NoError(t, err)
	require.Equal(t, "car", bp.Name)
	require.Equal(t, []string{"vim-enhanced", "qm-1.0-1", "qm-kvm-1.0-1"}, bp.GetPackagesEx(false))
	require.Equal(t, []string{"sshd"}, bp.Customizations.Services.Enabled)

	out := filepath.Join(dir, "out.toml")
	r = runCLI(t, nil, "blueprint", "merge", "--out", out, base, frag)
	require.Equal(t, exitOK, r.code, r.stderr)
	written, err := os.ReadFile(out)
	require.NoError(t, err)
	require.NotEmpty(t, written)
}

func TestBlueprintBadInput(t *testing.T) {
	frag := filepath.Join(t.TempDir(), "qm.toml")
	r := runCLI(t, nil, "blueprint", "--out", frag)
	require.Equal(t, exitOK, r.code, r.stderr)
	conflict := writeTemp(t, "mine.toml", "name = \"mine\"\n[[customizations.files]]\npath = \"/etc/qm/containers/containers.conf\"\ndata = \"[containers]\\n\"\n")
	usr := writeTemp(t, "usr.toml", "name = \"usr\"\n[[customizations.files]]\npath = \"/usr/lib/qm/rootfs/etc/motd\"\ndata = \"hi\\n\"\n")
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"merge conflict", []string{"merge", conflict, frag}, []string{"/etc/qm/containers/containers.conf", conflict, frag}},
		{"a fragment adding /usr", []string{"merge", conflict, usr}, []string{"/usr/lib/qm/rootfs/etc/motd", "policies.CustomFilesPolicies"}},
		{"merge needs two files", []string{"merge", conflict}, []string{"BASE.toml and at least one FRAGMENT.toml"}},
		{"a missing file", []string{"merge", conflict, "/nonexistent.toml"}, []string{"/nonexistent.toml"}},
		{"a broken file", []string{"merge", writeTemp(t, "broken.toml", "name = \"x\"\n[[packages\n"), frag}, []string{"broken.toml:"}},
		{"an unknown drop-in", []string{"--dropin", "nope"}, []string{`"nope"`}},
		{"an argument", []string{"stray"}, []string{`"stray"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, nil, append([]string{"blueprint"}, tc.args...)...)
			require.Equal(t, exitBadInput, r.code, r.stderr)
			for _, w := range tc.want {
				require.Contains(t, r.stderr, w)
			}
		})
	}
}

func TestBlueprintMergeHelp(t *testing.T) {
	r := runCLI(t, nil, "blueprint", "merge", "--help")
	require.Equal(t, exitOK, r.code)
	require.Contains(t, r.stdout, "Usage:")
}
