package check

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/stages/check/target"
)

// FuzzQuadletView runs the whole effective model and every rule on a tree
// with a fuzzed qm.container and drop-in: no rule fails, and every finding
// or chain link with a line names a line of a file the test wrote.
func FuzzQuadletView(f *testing.F) {
	unit, err := os.ReadFile("testdata/units/qm.container")
	require.NoError(f, err)
	tricky, err := os.ReadFile("testdata/units/99-tricky.conf")
	require.NoError(f, err)
	f.Add(unit, tricky)
	f.Add(unit, []byte("[Container]\nPodmanArgs=--privileged\n"))
	f.Add(unit, []byte("[Container]\nPodmanArgs=--read-only false --sysctl fs.mqueue.queues_max=9\nVolume=\n"))
	f.Add([]byte("[Container\n"), []byte(""))
	f.Add([]byte("[Service]\nEnvironment=\"A=${A}\" B=$\nOOMScoreAdjust=x\n"), []byte("[Container]\nRootfs=${A\n"))
	f.Fuzz(func(t *testing.T, container, dropin []byte) {
		files := map[string]string{
			"/usr/share/containers/systemd/qm.container":          string(container),
			"/etc/containers/systemd/qm.container.d/99-fuzz.conf": string(dropin),
		}
		dir := t.TempDir()
		for p, body := range files {
			full := filepath.Join(dir, p)
			require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
			require.NoError(t, os.WriteFile(full, []byte(body), 0o644))
		}
		tg, err := target.Open(dir, target.Options{})
		require.NoError(t, err)
		defer tg.Close()
		r, err := Run(context.Background(), tg, Options{RootUID: os.Geteuid(), RootGID: os.Getegid()})
		require.NoError(t, err)
		lineOK := func(p string, line int) {
			if line == 0 {
				return
			}
			body, ok := files[p]
			require.True(t, ok, "%s:%d is not a file the test wrote", p, line)
			require.LessOrEqual(t, line, strings.Count(body, "\n")+1, "%s:%d", p, line)
		}
		for _, fd := range r.Findings() {
			lineOK(fd.Path, fd.Line)
			for _, l := range fd.Chain {
				lineOK(l.Path, l.Line)
			}
		}
	})
}
