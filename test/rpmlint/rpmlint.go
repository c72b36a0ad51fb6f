package rpmlint

import (
	"path/filepath"
	"testing"

	"github.com/qm-build/qm-build/test/verifiers"
)

// Config is the path of qm-build.toml, the checked-in rpmlint configuration.
func Config(t testing.TB) string {
	t.Helper()
	return filepath.Join(verifiers.RepoRoot(t), "test", "rpmlint", "qm-build.toml")
}

// Run lints rpms with Config and a scratch HOME, and returns rpmlint's
// result.
func Run(t testing.TB, rpms ...string) verifiers.Result {
	t.Helper()
	return RunConfig(t, Config(t), rpms...)
}

// RunConfig is Run with another configuration file.
func RunConfig(t testing.TB, config string, rpms ...string) verifiers.Result {
	t.Helper()
	verifiers.Need(t, "rpmlint")
	verifiers.Need(t, "rpm2cpio")
	verifiers.Need(t, "cpio")
	env := []string{"HOME=" + t.TempDir()}
	return verifiers.Cmd{Env: env}.Run(t, "rpmlint", append([]string{"-c", config}, rpms...)...)
}
