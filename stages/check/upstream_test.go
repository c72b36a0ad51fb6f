package check

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs/seccomp"
	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/stages/check/target"
	"github.com/qm-build/qm-build/test/verifiers"
)

// upstreamTree copies the upstream-shaped image fixture (testdata/upstream,
// see testdata/README) and adds what git does not keep: empty directories and
// the seccomp profile upstream's %post generates on the target.
func upstreamTree(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tree")
	r := verifiers.Run(t, "cp", "-a", filepath.Join("testdata", "upstream", "tree"), dir)
	require.Equal(t, 0, r.Code, r.Stderr)
	for _, d := range []string{"var/qm/tmp", "usr/share/qm"} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, d), 0o755))
	}
	profile, err := seccomp.Profile(nil)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "usr/share/qm/seccomp-no-rt.json"), profile, 0o644))
	return dir
}

func checkTree(t *testing.T, dir string) *Report {
	t.Helper()
	tg, err := target.Open(dir, target.Options{})
	require.NoError(t, err)
	defer tg.Close()
	r, err := Run(context.Background(), tg, Options{RootUID: os.Geteuid(), RootGID: os.Getegid(), Arch: "x86_64"})
	require.NoError(t, err)
	return r
}

// TestUpstreamShapedImageHasNoErrors: genuine upstream QM, laid out as its
// own spec and setup install it (base unit with AddDevice=-/dev/kvm, the
// packaged qm_dropin_mount_bind_* drop-ins, devices granted by annotation and
// the qm-oci-hooks JSON, a policy granting module_load but not sys_module),
// passes with no error; the only warning is the hardening advice on
// module_load.
func TestUpstreamShapedImageHasNoErrors(t *testing.T) {
	r := checkTree(t, upstreamTree(t))
	require.Empty(t, r.Errors, "findings:\n%s", reportText(t, r))
	require.Equal(t, []string{"QM407"}, r.RuleIDs(), "findings:\n%s", reportText(t, r))
	// The annotation grant is seen: the quadlet's audio annotation and the
	// device hook that acts on it.
	tg, err := target.Open(upstreamTree(t), target.Options{})
	require.NoError(t, err)
	defer tg.Close()
	c := &Context{Target: tg, FS: tg.FS}
	var hook []string
	for _, d := range c.QM().devices() {
		if d.Kind == "hook" {
			hook = append(hook, d.Host)
		}
	}
	require.Equal(t, []string{"/dev/snd/*"}, hook)
}

// TestUpstreamShapedDefectsAreCaught: the same image, each with one defect an
// integrator could add, is caught with the expected rule.
func TestUpstreamShapedDefectsAreCaught(t *testing.T) {
	for _, tc := range []struct {
		name, file, body string
		want             string
	}{
		{"module loading granted in full", "var/lib/selinux/targeted/active/modules/200/qm/cil",
			"(type qm_t)\n(allow qm_t self (capability (sys_module)))\n(allow qm_t self (system (module_load)))\n", "QM404"},
		{"an undeclared device in an upstream-named drop-in", "etc/containers/systemd/qm.container.d/qm_dropin_mount_bind_kvm.conf",
			"[Container]\nAddDevice=-/dev/kvm\nAddDevice=-/dev/ttyS0\n", "QM111"},
		{"the variable of Rootfs= redefined", "etc/systemd/system/qm.service.d/10-env.conf",
			"[Service]\nEnvironment=ROOTFS=/\n", "QM102"},
		{"a drop-in named like upstream's, for a device the catalog does not give it", "etc/containers/systemd/qm.container.d/qm_dropin_mount_bind_video.conf",
			"[Container]\nAddDevice=-/dev/video0\nAddDevice=-/dev/dri/card0\n", "QM111"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := upstreamTree(t)
			p := filepath.Join(dir, tc.file)
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(t, os.WriteFile(p, []byte(tc.body), 0o644))
			r := checkTree(t, dir)
			require.Contains(t, r.RuleIDs(), tc.want, "findings:\n%s", reportText(t, r))
		})
	}
}

func reportText(t *testing.T, r *Report) string {
	var b strings.Builder
	require.NoError(t, WriteText(&b, r))
	return b.String()
}

// upstreamPackages are packages shaped like upstream's: qm and its drop-ins
// share a version (Requires: qm >= version), qm-oci-hooks and qm-wayland are
// versioned on their own and require no qm.
func upstreamPackages() []*rpmspec.Package {
	file := func(p string) rpmspec.File {
		return rpmspec.File{Path: p, Kind: rpmspec.KindFile, Mode: 0o644, Body: []byte("# " + p + "\n")}
	}
	req := func(names ...string) rpmspec.Relations {
		var r rpmspec.Relations
		for _, n := range names {
			name, ver, _ := strings.Cut(n, " >= ")
			if ver != "" {
				r.Add(rpmspec.Relation{Name: name, Op: ">=", Version: ver})
			} else {
				r.Add(rpmspec.Relation{Name: name})
			}
		}
		return r
	}
	pkg := func(name, version string, requires rpmspec.Relations, files ...string) *rpmspec.Package {
		p := &rpmspec.Package{Name: name, Version: version, Release: "1", Summary: name, Description: name,
			License: rpmspec.License, URL: rpmspec.URL, Arch: "noarch", Requires: requires}
		for _, f := range files {
			p.Files = append(p.Files, file(f))
		}
		return p
	}
	return []*rpmspec.Package{
		pkg("qm", "1.0", req("podman >= 4.5"), "/usr/share/containers/systemd/qm.container", "/usr/share/qm/setup"),
		pkg("qm-kvm", "1.0", req("qm >= 1.0"), "/etc/containers/systemd/qm.container.d/qm_dropin_mount_bind_kvm.conf",
			"/etc/qm/containers/systemd/kvm.container"),
		pkg("qm-mount-bind-video", "1.0", req("qm >= 1.0"), "/etc/containers/systemd/qm.container.d/qm_dropin_mount_bind_video.conf"),
		pkg("qm-sound", "1.0", req("qm >= 1.0", "qm-oci-hooks"), "/etc/containers/systemd/qm.container.d/qm_dropin_mount_bind_snd.conf"),
		pkg("qm-oci-hooks", "0.1.0", req("jq", "systemd-udev", "findutils"),
			"/usr/share/containers/oci/hooks.d/oci-qm-device-manager.json", "/usr/libexec/oci/hooks.d/oci-qm-device-manager"),
		pkg("qm-wayland", "0.1.0", req("systemd"), "/etc/containers/systemd/wayland-compositor.container",
			"/etc/pam.d/systemd-user.qm-wayland"),
	}
}

// TestUpstreamShapedPackagesPass: independently versioned sub-packages are no
// QM804/QM805 findings; a drop-in from another qm release still is.
func TestUpstreamShapedPackagesPass(t *testing.T) {
	dir := t.TempDir()
	writePackages(t, dir, upstreamPackages(), nil)
	r := checkPackages(t, "rpms:"+dir, nil)
	require.Empty(t, r.Findings(), "findings:\n%s", reportText(t, r))

	dir = t.TempDir()
	pkgs := upstreamPackages()
	pkgs[1].Version = "0.9" // qm-kvm of another release
	pkgs[4].Requires.Add(rpmspec.Relation{Name: "qm", Op: ">=", Version: "2.0"})
	writePackages(t, dir, pkgs, nil)
	r = checkPackages(t, "rpms:"+dir, nil)
	require.Equal(t, []string{"QM804", "QM805"}, r.RuleIDs(), "findings:\n%s", reportText(t, r))
}
