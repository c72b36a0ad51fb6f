package rpmlint

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/qm-build/qm-build/test/verifiers"
)

// Config is the path of qm-build.toml, the checked-in rpmlint configuration.
func Config(t testing.TB) string {
	t.Helper()
	return filepath.Join(verifiers.RepoRoot(t), "test", "rpmlint", "qm-build.toml")
}

// Run lints rpms with Config, a scratch HOME and the cpio described in the
// package documentation, and returns rpmlint's result.
func Run(t testing.TB, rpms ...string) verifiers.Result {
	t.Helper()
	return RunConfig(t, Config(t), rpms...)
}

// RunConfig is Run with another configuration file.
func RunConfig(t testing.TB, config string, rpms ...string) verifiers.Result {
	t.Helper()
	verifiers.Need(t, "rpmlint")
	verifiers.Need(t, "rpm2cpio")
	cpio := verifiers.Need(t, "cpio")
	bin := t.TempDir()
	shim := "#!/bin/sh\n# payload names are absolute (/usr/…): keep them under the current directory\nexec " + cpio + " --no-absolute-filenames \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "cpio"), []byte(shim), 0o755); err != nil {
		t.Fatal(err)
	}
	env := []string{"HOME=" + t.TempDir(), "PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH")}
	return verifiers.Cmd{Env: env}.Run(t, "rpmlint", append([]string{"-c", config}, rpms...)...)
}
