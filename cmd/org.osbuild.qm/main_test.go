package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/test/verifiers"
)

// TestStageProgramIsLean: built as `make build` builds it (stripped), the
// stage osbuild copies into every build root stays under 12 MB, and Go's
// build information lists none of the modules only manifests need. (The
// layering test keeps the import graph so; this checks the artifact.)
func TestStageProgramIsLean(t *testing.T) {
	bin := verifiers.Binary(t, "./cmd/org.osbuild.qm")
	fi, err := os.Stat(bin)
	require.NoError(t, err)
	require.Less(t, fi.Size(), int64(12<<20), "the stripped stage is %d bytes", fi.Size())

	out, err := exec.Command(verifiers.Need(t, "go"), "version", "-m", bin).Output()
	require.NoError(t, err)
	require.Contains(t, string(out), "github.com/qm-build/qm-build/cmd/org.osbuild.qm")
	for _, heavy := range []string{"github.com/osbuild/images", "github.com/containers/image", "google.golang.org/grpc", "github.com/sigstore"} {
		require.False(t, strings.Contains(string(out), heavy), "the stage links %s", heavy)
	}
}

// TestStageWithoutArguments: run outside osbuild (no /run/osbuild/api), the
// stage reports the missing arguments file on one line and exits 2.
func TestStageWithoutArguments(t *testing.T) {
	bin := verifiers.Binary(t, "./cmd/org.osbuild.qm")
	if _, err := os.Stat("/run/osbuild/api/arguments"); err == nil {
		t.Fatal("this host runs osbuild: /run/osbuild/api/arguments exists")
	}
	cmd := exec.Command(bin)
	cmd.Env = []string{"QM_BUILD_TEST_OSBUILD_RUN=" + t.TempDir()} // ignored without the test hooks
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	require.Equal(t, 2, ee.ExitCode(), stderr.String())
	require.Equal(t, 1, strings.Count(stderr.String(), "\n"))
	require.Contains(t, stderr.String(), "org.osbuild.qm: /run/osbuild/api/arguments: reading the arguments file")
}
