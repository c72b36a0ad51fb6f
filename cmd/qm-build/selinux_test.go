package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/test/verifiers"
)

func TestSELinuxHelp(t *testing.T) {
	for _, args := range [][]string{{"selinux", "--help"}, {"selinux", "policy", "--help"}, {"selinux", "contexts", "--help"}, {"selinux", "label-check", "--help"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := runCLI(t, nil, args...)
			require.Zero(t, r.code, r.stderr)
			require.Contains(t, r.stdout, "Usage:")
		})
	}
}

func TestSELinuxBadInput(t *testing.T) {
	dir := t.TempDir()
	badFC := filepath.Join(dir, "bad.fc")
	require.NoError(t, os.WriteFile(badFC, []byte("/ok\tu:r:t:s0\n/a(\tu:r:t:s0\n/b\t-z\tu:r:t:s0\n/c\tnot-a-context\n"), 0o644))
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"no subcommand", []string{"selinux"}, []string{"missing subcommand"}},
		{"unknown subcommand", []string{"selinux", "frob"}, []string{"unknown subcommand \"frob\""}},
		{"policy without --out", []string{"selinux", "policy"}, []string{"--out DIR is required"}},
		{"policy with a version policy_module cannot take", []string{"selinux", "policy", "--out", dir, "--pkg-version", "1.0~rc1"}, []string{"--pkg-version", "cannot be the SELinux module version"}},
		{"contexts without a target", []string{"selinux", "contexts"}, []string{"exactly one of --root DIR and --print"}},
		{"contexts bad print", []string{"selinux", "contexts", "--print", "all"}, []string{"--print \"all\""}},
		{"label-check without root", []string{"selinux", "label-check"}, []string{"--root DIR is required"}},
		{"label-check bad output", []string{"selinux", "label-check", "--root", dir, "--output", "xml"}, []string{"--output \"xml\""}},
		{"label-check missing fc", []string{"selinux", "label-check", "--root", dir, "--file-contexts", filepath.Join(dir, "nope")}, []string{"--file-contexts"}},
		{"label-check bad fc lines", []string{"selinux", "label-check", "--root", dir, "--file-contexts", badFC},
			[]string{badFC + ":2: bad regex", badFC + ":3: unknown file type \"-z\"", badFC + ":4: malformed context \"not-a-context\""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, nil, tc.args...)
			require.Equal(t, exitBadInput, r.code, r.stderr)
			for _, w := range tc.want {
				require.Contains(t, r.stderr, w)
			}
		})
	}
}

func TestSELinuxPolicyCommand(t *testing.T) {
	for _, tool := range []string{"make", "checkmodule", "bzip2"} {
		verifiers.Need(t, tool)
	}
	out := t.TempDir()
	r := runCLI(t, []string{"SOURCE_DATE_EPOCH=1700000000"}, "selinux", "policy", "--out", out)
	require.Zero(t, r.code, r.stderr)
	for _, f := range []string{"qm.te", "qm.if", "qm.fc", "qm_container_compat.if", "qm.pp", "qm.pp.bz2"} {
		require.Contains(t, r.stdout, filepath.Join(out, f))
		fi, err := os.Stat(filepath.Join(out, f))
		require.NoError(t, err)
		require.Equal(t, int64(1700000000), fi.ModTime().Unix())
	}

	noTools := runCLI(t, []string{"QM_BUILD_SELINUX_MAKEFILE=/nonexistent"}, "selinux", "policy", "--out", t.TempDir())
	require.Zero(t, noTools.code)
	require.Contains(t, noTools.stderr, "qm.pp was not built")
	require.NotContains(t, noTools.stdout, "qm.pp")
}

func TestSELinuxContextsAndLabelCheck(t *testing.T) {
	root := t.TempDir()
	r := runCLI(t, nil, "selinux", "contexts", "--root", root)
	require.Zero(t, r.code, r.stderr)
	nested, err := os.ReadFile(filepath.Join(root, "usr/lib/qm/rootfs/usr/share/containers/selinux/contexts"))
	require.NoError(t, err)
	require.Contains(t, string(nested), `process = "system_u:system_r:qm_container_t:s0"`)
	printed := runCLI(t, nil, "selinux", "contexts", "--print", "nested")
	require.Equal(t, string(nested), printed.stdout)

	r = runCLI(t, nil, "selinux", "label-check", "--root", root, "--output", "json")
	require.Zero(t, r.code, r.stderr)
	var rep struct {
		FileContexts string         `json:"file_contexts"`
		Labeled      bool           `json:"labeled"`
		Counts       map[string]int `json:"counts"`
		Labels       []struct{ Path, Expected, Status string }
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep))
	require.False(t, rep.Labeled)
	got := map[string]string{}
	for _, l := range rep.Labels {
		got[l.Path] = l.Expected
	}
	require.Equal(t, "system_u:object_r:qm_file_t:s0", got["/etc/qm/selinux/targeted/contexts/files/file_contexts"])
	require.Equal(t, "system_u:object_r:qm_file_t:s0", got["/usr/lib/qm/rootfs"])
	require.Equal(t, "", got["/usr/share/qm/contexts"])

	text := runCLI(t, nil, "selinux", "label-check", "--root", root)
	require.Zero(t, text.code, text.stderr)
	require.Contains(t, text.stdout, "expected   /usr/lib/qm/rootfs\tsystem_u:object_r:qm_file_t:s0\n")
}
