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
	"github.com/qm-build/qm-build/rpmspec/rpm/rpmtest"
	"github.com/qm-build/qm-build/selinux"
	"github.com/qm-build/qm-build/test/verifiers"
)

// UserDropinDir is the directory of the test user drop-ins (the README's
// worked example), under the repository root.
func UserDropinDir(t testing.TB) string {
	return filepath.Join(verifiers.RepoRoot(t), "rpmspec", "testdata", "userdropins")
}

// Compose returns the packages `qm-build rpm` writes for the given --dropin
// values and --dropin-dir directories: qm first, then the drop-ins. Their
// build time is rpmtest.Epoch.
func Compose(t testing.TB, dropins []string, dirs ...string) []*rpmspec.Package {
	t.Helper()
	cat, err := rpmspec.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		names, err := cat.AddDir(os.DirFS(d), d)
		if err != nil {
			t.Fatal(err)
		}
		dropins = append(dropins, names...)
	}
	plan, err := rootfs.NewPlan(rootfs.Options{Dropins: dropins, Epoch: rpmtest.Epoch}, cat)
	if err != nil {
		t.Fatal(err)
	}
	c, err := rootfs.Compose(plan, rootfs.Facts{PolicyModule: policyModule(t, plan.Version)})
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
