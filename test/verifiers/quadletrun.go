package verifiers

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// QuadletDryRun runs the real quadlet generator (podman 5) in -dryrun mode over
// the given unit directories of an image tree at root, in the order given
// (highest priority first), the way `QUADLET_UNIT_DIRS=…` stages them. Missing
// directories are left out. Quadlet reads the host's /dev for AddDevice=-
// (optional devices), so callers compare against a model told the same.
// It returns the result and the services it printed, by file name, with the
// tree's root removed from the paths quadlet wrote into them.
func QuadletDryRun(t testing.TB, root string, dirs ...string) (Result, map[string]string) {
	t.Helper()
	q := Quadlet(t)
	var staged []string
	for _, d := range dirs {
		p := filepath.Join(root, d)
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			staged = append(staged, p)
		}
	}
	if len(staged) == 0 {
		// Quadlet would read the host's directories without QUADLET_UNIT_DIRS.
		staged = append(staged, t.TempDir())
	}
	r := Cmd{Env: []string{"QUADLET_UNIT_DIRS=" + strings.Join(staged, ":")}}.Run(t, q, "-dryrun")
	services := map[string]string{}
	var name string
	var body strings.Builder
	flush := func() {
		if name != "" {
			services[name] = strings.ReplaceAll(body.String(), root, "")
		}
	}
	for _, l := range strings.SplitAfter(r.Stdout, "\n") {
		if strings.HasPrefix(l, "---") && strings.HasSuffix(strings.TrimSpace(l), "---") {
			flush()
			name = filepath.Base(strings.Trim(strings.TrimSpace(l), "-"))
			body.Reset()
			continue
		}
		body.WriteString(l)
	}
	flush()
	return r, services
}
