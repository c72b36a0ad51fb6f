package examples

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/test/verifiers"
)

// headerMarker ends the line after which a ready blueprint's header gives
// the commands that build it.
const headerMarker = "(test/examples runs these lines):"

// headerCommands returns the shell lines a ready blueprint's header gives
// to build it.
func headerCommands(t *testing.T, name string, data []byte) string {
	t.Helper()
	var cmds []string
	on := false
	for _, l := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(l, "#") {
			break
		}
		if on {
			c, ok := strings.CutPrefix(l, "#   ")
			if !ok {
				break
			}
			cmds = append(cmds, c)
		}
		on = on || strings.HasSuffix(l, headerMarker)
	}
	require.NotEmpty(t, cmds, "%s: the header gives no commands after %q", name, headerMarker)
	return strings.Join(cmds, "\n") + "\n"
}

// TestReadyBlueprints runs what each ready blueprint's header says builds
// it, in a scratch copy of the repository with the programs in bin/ and
// $MIRROR a local stand-in for the distribution's repositories of the
// blueprint's architecture, and checks the manifest it writes.
func TestReadyBlueprints(t *testing.T) {
	bash := verifiers.Need(t, "bash")
	root := verifiers.RepoRoot(t)
	files, err := filepath.Glob(filepath.Join(root, "blueprints", "*.toml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	if testing.Short() {
		t.Skip("-short: building the ready blueprints runs qm-build and dnf")
	}
	bin := t.TempDir()
	for _, pkg := range []string{"./cmd/qm-build", "./cmd/qm-build-manifest", "./cmd/qm-build-publish", "./cmd/org.osbuild.qm"} {
		verifiers.BinaryIn(t, bin, pkg)
	}
	mirrors := map[string]string{"x86_64": stubMirror(t, "x86_64"), "aarch64": stubMirror(t, "aarch64")}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			script := headerCommands(t, f, data)
			arch := "x86_64"
			if strings.Contains(script, "--arch aarch64") {
				arch = "aarch64"
			}
			work := filepath.Join(t.TempDir(), "qm-build")
			copyTree(t, root, work)
			require.NoError(t, os.Mkdir(filepath.Join(work, "bin"), 0o755))
			for _, p := range []string{"qm-build", "qm-build-manifest", "qm-build-publish", "org.osbuild.qm"} {
				require.NoError(t, os.Symlink(filepath.Join(bin, p), filepath.Join(work, "bin", p)))
			}
			cmd := exec.Command(bash, "-e", "-o", "pipefail", "-c", script)
			cmd.Dir = work
			cmd.Env = append(append(os.Environ(), goEnv(t)...), "MIRROR="+mirrors[arch], "HOME="+t.TempDir())
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "%s: the header's commands fail:\n%s\n--- output:\n%s", f, script, out)

			var m struct {
				Version   string `json:"version"`
				Pipelines []struct {
					Name string `json:"name"`
				} `json:"pipelines"`
			}
			manifest, err := os.ReadFile(filepath.Join(work, "manifest.json"))
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(manifest, &m))
			require.Equal(t, "2", m.Version)
			var names []string
			for _, p := range m.Pipelines {
				names = append(names, p.Name)
			}
			require.Contains(t, names, "qm_rootfs")
			require.Contains(t, names, "os")
		})
	}
}
