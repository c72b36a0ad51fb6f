package verifiers

import (
	"path/filepath"
	"testing"
)

// DNFRepo is one file:// repository given to dnf with --repofrompath.
type DNFRepo struct {
	ID  string
	Dir string
}

// DNF runs the real dnf against an empty installroot with no system
// repositories (--setopt=reposdir=/dev/null), HOME from ScratchHome so that
// the rpm database lands in the installroot's /var/lib/rpm, scriptlets off
// (tsflags=noscripts), weak dependencies off, and dnf-plugins-core's "local"
// plugin off: Debian enables it, and it would copy every package a test
// installs into a host repository (_dnf_local) that later runs then see.
type DNF struct {
	Root  string
	Home  string
	Repos []DNFRepo
	// Setopts are extra --setopt values, e.g. "local.gpgcheck=1".
	Setopts []string
}

// NewDNF returns a DNF with a fresh installroot and home.
func NewDNF(t testing.TB, repos ...DNFRepo) *DNF {
	t.Helper()
	Need(t, "dnf")
	return &DNF{Root: filepath.Join(t.TempDir(), "root"), Home: ScratchHome(t), Repos: repos}
}

// Run runs `dnf ARGS...` with the common options first.
func (d *DNF) Run(t testing.TB, args ...string) Result {
	t.Helper()
	common := []string{"--installroot=" + d.Root, "--releasever=40", "--setopt=reposdir=/dev/null",
		"--setopt=tsflags=noscripts", "--setopt=install_weak_deps=False", "--setopt=cachedir=" + filepath.Join(d.Root, "cache"), "--disableplugin=local"}
	for _, r := range d.Repos {
		common = append(common, "--repofrompath="+r.ID+",file://"+r.Dir)
	}
	for _, s := range d.Setopts {
		common = append(common, "--setopt="+s)
	}
	return Cmd{Env: []string{"HOME=" + d.Home}}.Run(t, "dnf", append(common, args...)...)
}
