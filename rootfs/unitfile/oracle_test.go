package unitfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/test/verifiers"
)

// TestMergeAgreesWithQuadlet runs podman's real quadlet generator over a unit
// with continued lines, list resets and two drop-ins, and checks that Merge
// yields the same [Service] and [Unit] values quadlet passes through to the
// generated service. Quadlet trims each continued line while systemd keeps its
// leading space, so values are compared word by word.
func TestMergeAgreesWithQuadlet(t *testing.T) {
	q := verifiers.Quadlet(t)
	dir := t.TempDir()
	base := "[Unit]\nDescription=x\n[Container]\nImage=localhost/x\n[Service]\n" +
		"ExecStartPre=/usr/bin/tool \\\n    --first \\\n# a comment\n    --second\n" +
		"Environment=A=1\nEnvironment=\nEnvironment=B=2\nMemoryMax=1G\n"
	dropins := map[string]string{
		"20-b.conf": "[Service]\nMemoryMax=3G\nEnvironment=C=3\n",
		"10-a.conf": "[Service]\nMemoryMax=2G\n[Unit]\nRequiresMountsFor=/var/qm\n",
	}
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "x.container.d"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "x.container"), []byte(base), 0o644))
	b, err := ParseBytes([]byte(base), "x.container")
	require.NoError(t, err)
	var ds []*File
	for name, body := range dropins {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "x.container.d", name), []byte(body), 0o644))
		d, err := ParseBytes([]byte(body), name)
		require.NoError(t, err)
		ds = append(ds, d)
	}
	ours := Merge(b, ds...)

	r := verifiers.Cmd{Env: []string{"QUADLET_UNIT_DIRS=" + dir}}.Run(t, q, "-dryrun")
	require.Equal(t, 0, r.Code, r.Stderr)
	out := strings.TrimPrefix(r.Stdout, "---x.service---\n")
	theirs, err := ParseBytes([]byte(out), "x.service")
	require.NoError(t, err)

	for _, k := range []struct{ section, key string }{
		{"Service", "ExecStartPre"}, {"Service", "MemoryMax"}, {"Unit", "RequiresMountsFor"},
	} {
		v1, _ := ours.Lookup(k.section, k.key)
		v2, _ := theirs.Lookup(k.section, k.key)
		if k.key == "RequiresMountsFor" {
			require.Contains(t, theirs.LookupAll(k.section, k.key), v1)
			continue
		}
		require.Equal(t, words(v2), words(v1), "%s.%s", k.section, k.key)
	}
	require.Equal(t, "3G", mustLookup(t, ours, "Service", "MemoryMax"))
	// quadlet appends its own Environment=PODMAN_SYSTEMD_UNIT=%n after ours.
	require.Equal(t, append(ours.LookupAll("Service", "Environment"), "PODMAN_SYSTEMD_UNIT=%n"), theirs.LookupAll("Service", "Environment"))
}

func words(s string) string { return strings.Join(strings.Fields(s), " ") }

func mustLookup(t *testing.T, f *File, section, key string) string {
	t.Helper()
	v, ok := f.Lookup(section, key)
	require.True(t, ok, "%s.%s", section, key)
	return v
}
