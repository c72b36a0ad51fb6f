package rpmtest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/selinux"
	"github.com/qm-build/qm-build/stages"
	"github.com/qm-build/qm-build/test/verifiers"
)

// Epoch is the SOURCE_DATE_EPOCH of the fixtures.
var Epoch = time.Unix(1700000000, 0).UTC()

// UserDropinDir is the directory of the test user drop-ins (the README's
// worked example), under the repository root.
func UserDropinDir(t testing.TB) string {
	return filepath.Join(verifiers.RepoRoot(t), "rpmspec", "testdata", "userdropins")
}

// Compose returns the packages `qm-build rpm` writes for the given --dropin
// values and --dropin-dir directories: qm first, then the drop-ins.
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
	plan, err := rootfs.NewPlan(rootfs.Options{Dropins: dropins, Epoch: Epoch}, cat)
	if err != nil {
		t.Fatal(err)
	}
	c, err := rootfs.Compose(plan, rootfs.Facts{PolicyModule: policyModule(t, plan.Version)})
	if err != nil {
		t.Fatal(err)
	}
	return c.Packages
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
		t.Fatalf("rpmtest compiles the module for version %s only", rpmspec.DefaultVersion)
	}
	policyOnce.Do(func() {
		res, err := stages.BuildPolicy(context.Background(), version, stages.PolicyOptions{})
		switch {
		case err != nil:
			policyErr = err
		case res.NotBuilt != nil:
			policyErr = res.NotBuilt
		default:
			policyMod = res.Module
		}
	})
	if policyErr != nil {
		verifiers.Need(t, "checkmodule")
		t.Fatalf("compiling the qm SELinux module: %v", policyErr)
	}
	return policyMod
}

// All is every package: qm, every catalog drop-in and the test user drop-in.
func All(t testing.TB) []*rpmspec.Package {
	t.Helper()
	return Compose(t, []string{"all"}, UserDropinDir(t))
}

// RPM runs rpm (or rpmkeys, rpmbuild: tool) with a scratch HOME, so that
// Debian's ~/.rpmdb default never touches the real home.
type RPM struct {
	Home string
}

// NewRPM returns a runner with its own scratch HOME.
func NewRPM(t testing.TB) RPM {
	t.Helper()
	verifiers.Need(t, "rpm")
	return RPM{Home: verifiers.ScratchHome(t)}
}

// Run runs tool with args and returns its result.
func (r RPM) Run(t testing.TB, tool string, args ...string) verifiers.Result {
	t.Helper()
	return verifiers.Cmd{Env: []string{"HOME=" + r.Home}}.Run(t, tool, args...)
}

// Query runs `rpm -qp --qf FORMAT FILE` and fails the test on an error.
func (r RPM) Query(t testing.TB, format, file string) string {
	t.Helper()
	res := r.Run(t, "rpm", "-qp", "--qf", format, file)
	if res.Code != 0 {
		t.Fatalf("rpm -qp %s: rc %d: %s", file, res.Code, res.Stderr)
	}
	return res.Stdout
}

// Lines splits output into lines, dropping the empty last one.
func Lines(s string) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}
