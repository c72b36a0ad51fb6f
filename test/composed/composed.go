package composed

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/rpmspec/input"
	"github.com/qm-build/qm-build/rpmspec/rpm/rpmtest"
	"github.com/qm-build/qm-build/selinux"
	"github.com/qm-build/qm-build/test/verifiers"
)

// UserDropinDir is the directory of the test user drop-ins (the README's
// worked example), under the repository root.
func UserDropinDir(t testing.TB) string {
	return filepath.Join(verifiers.RepoRoot(t), "rpmspec", "testdata", "userdropins")
}

// Compose returns the packages `qm-build rpm --hook-binary HOOK` writes for
// the given --dropin values and --dropin-dir directories, HOOK being the real
// hook program for x86_64 (HookProgram): qm first, then the drop-ins. Their
// build time is rpmtest.Epoch.
func Compose(t testing.TB, dropins []string, dirs ...string) []*rpmspec.Package {
	t.Helper()
	return ComposeFacts(t, rootfs.Facts{HookProgram: HookProgram(t, "amd64")}, dropins, dirs...)
}

// ComposeFacts is Compose with the given facts (the policy module is added).
func ComposeFacts(t testing.TB, f rootfs.Facts, dropins []string, dirs ...string) []*rpmspec.Package {
	t.Helper()
	cat, err := rpmspec.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		names, err := cat.AddDir(input.DirFS(d), d)
		if err != nil {
			t.Fatal(err)
		}
		dropins = append(dropins, names...)
	}
	plan, err := rootfs.NewPlan(rootfs.Options{Dropins: dropins, Epoch: rpmtest.Epoch}, cat)
	if err != nil {
		t.Fatal(err)
	}
	f.PolicyModule = policyModule(t, plan.Version)
	c, err := rootfs.Compose(plan, f)
	if err != nil {
		t.Fatal(err)
	}
	return c.Packages
}

// All is every package: qm, every catalog drop-in and the test user drop-in.
func All(t testing.TB) []*rpmspec.Package {
	t.Helper()
	return Compose(t, []string{"all"}, UserDropinDir(t))
}

// hookPrograms caches HookProgram's builds for the life of the test binary.
var hookPrograms sync.Map // goarch -> []byte

// HookProgram builds the real hook program (cmd/qm-oci-hook) for
// linux/goarch, stripped, as `make hook` does, once per test binary.
func HookProgram(t testing.TB, goarch string) []byte {
	t.Helper()
	if b, ok := hookPrograms.Load(goarch); ok {
		return b.([]byte)
	}
	goBin := verifiers.Need(t, "go")
	out := filepath.Join(t.TempDir(), "qm-oci-hook")
	cmd := exec.Command(goBin, "build", "-trimpath", "-ldflags=-s -w", "-o", out, "./cmd/qm-oci-hook")
	cmd.Dir = verifiers.RepoRoot(t)
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the hook program for %s: %v\n%s", goarch, err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	hookPrograms.Store(goarch, b)
	return b
}

var (
	policyOnce sync.Once
	policyMod  *selinux.Module
	policyErr  error
)

// policyModule compiles the qm SELinux module once per test binary, as the
// selinux-policy stage does before `qm-build rpm` composes, so that the qm
// package under test carries the module and its scriptlets.
func policyModule(t testing.TB, version string) *selinux.Module {
	t.Helper()
	if version != rpmspec.DefaultVersion {
		t.Fatalf("composed compiles the module for version %s only", rpmspec.DefaultVersion)
	}
	policyOnce.Do(func() {
		srcs, err := selinux.Sources(version)
		if err != nil {
			policyErr = err
			return
		}
		tools, err := selinux.FindTools(exec.LookPath, os.Stat, selinux.DevelMakefile)
		if err != nil {
			policyErr = err
			return
		}
		m, _, err := selinux.BuildModule(context.Background(), srcs, tools, nil, version)
		policyMod, policyErr = &m, err
	})
	if policyErr != nil {
		verifiers.Need(t, "checkmodule")
		t.Fatalf("compiling the qm SELinux module: %v", policyErr)
	}
	return policyMod
}
