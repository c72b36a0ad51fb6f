package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs/unitfile"
	"github.com/qm-build/qm-build/test/verifiers"
)

// splitPrinted splits `qm-build quadlet` output into its files by their
// "# PATH" lines.
func splitPrinted(t *testing.T, out string) map[string]string {
	files := map[string]string{}
	var cur string
	for _, l := range strings.SplitAfter(out, "\n") {
		if p, ok := strings.CutPrefix(l, "# /"); ok {
			cur = "/" + strings.TrimSpace(p)
			continue
		}
		if cur != "" {
			files[cur] += l
		}
	}
	return files
}

// TestQuadletPrintsWhatTheRealGeneratorAccepts writes the printed files into
// unit directories and runs the real quadlet over them.
func TestQuadletPrintsWhatTheRealGeneratorAccepts(t *testing.T) {
	r := runCLI(t, nil, "quadlet", "--dropin", "kvm", "--memory-max", "2G", "--controller-socket")
	require.Equal(t, exitOK, r.code, r.stderr)
	files := splitPrinted(t, r.stdout)
	require.Len(t, files, 4, "qm.container, the bluechi socket, options and kvm drop-ins")
	dir := t.TempDir()
	for p, body := range files {
		dst := filepath.Join(dir, p)
		require.NoError(t, os.MkdirAll(filepath.Dir(dst), 0o755))
		require.NoError(t, os.WriteFile(dst, []byte(strings.TrimSuffix(body, "\n")+"\n"), 0o644))
	}
	q := verifiers.Quadlet(t)
	res := verifiers.Cmd{Env: []string{"QUADLET_UNIT_DIRS=" + filepath.Join(dir, "etc/containers/systemd") + ":" + filepath.Join(dir, "usr/share/containers/systemd")}}.Run(t, q, "-dryrun")
	require.Equal(t, 0, res.Code, res.Stderr)
	require.Contains(t, res.Stdout, "-v /run/bluechi/bluechi.sock:/run/bluechi.sock")
	require.Contains(t, res.Stdout, "MemoryMax=2G")
}

func TestQuadletMerged(t *testing.T) {
	r := runCLI(t, nil, "quadlet", "--merged", "--writable", "--var-partition", "--timezone", "Asia/Tokyo")
	require.Equal(t, exitOK, r.code, r.stderr)
	f, err := unitfile.ParseBytes([]byte(r.stdout), "merged")
	require.NoError(t, err)
	for _, tc := range []struct{ section, key, want string }{
		{"Container", "ReadOnly", "false"},
		{"Container", "Timezone", "Asia/Tokyo"},
		{"Unit", "RequiresMountsFor", "/var/qm"},
		{"Container", "SecurityLabelType", "qm_t"},
	} {
		v, ok := f.Lookup(tc.section, tc.key)
		require.True(t, ok, tc.key)
		require.Equal(t, tc.want, v, tc.key)
	}
}

func TestQuadletReadsTheTreeTimezone(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "etc"), 0o755))
	require.NoError(t, os.Symlink("../usr/share/zoneinfo/Europe/Rome", filepath.Join(dir, "etc/localtime")))
	r := runCLI(t, nil, "quadlet", "--merged", "--root", dir)
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Contains(t, r.stdout, "Timezone=Europe/Rome\n")
	r = runCLI(t, nil, "quadlet", "--cpu-weight", "0")
	require.Equal(t, exitBadInput, r.code)
	require.Contains(t, r.stderr, "--cpu-weight")
}
