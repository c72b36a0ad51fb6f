package rootfs_test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/test/composed"
	"github.com/qm-build/qm-build/test/verifiers"
)

// qmViewRoot lays the files of every catalog package out as QM sees them
// (its rootfs as /, /etc/qm as /etc) over a stub root for systemd-analyze,
// and returns the root and the systemd units the packages ship into it.
func qmViewRoot(t *testing.T) (root string, units []string) {
	t.Helper()
	c, err := compose(t, rootfs.Options{Dropins: []string{"all"}}, rootfs.Facts{HookProgram: composed.HookProgram(t, "amd64")}, nil)
	require.NoError(t, err)
	root = verifiers.SystemdStubRoot(t, t.TempDir())
	for _, p := range c.Packages[1:] {
		for _, f := range p.Files {
			qm := rootfs.QMView(f.Path)
			if qm == f.Path || f.Flags&rpmspec.FlagGhost != 0 {
				continue // a host path: not QM's
			}
			dst := filepath.Join(root, qm)
			switch f.Kind {
			case rpmspec.KindDir:
				require.NoError(t, os.MkdirAll(dst, 0o755))
			case rpmspec.KindSymlink:
				require.NoError(t, os.MkdirAll(filepath.Dir(dst), 0o755))
				require.NoError(t, os.Symlink(f.Target, dst))
			default:
				require.NoError(t, os.MkdirAll(filepath.Dir(dst), 0o755))
				require.NoError(t, os.WriteFile(dst, f.Body, f.Mode.Perm()))
				switch filepath.Ext(qm) {
				case ".service", ".socket", ".path", ".timer":
					if strings.Contains(qm, "/systemd/system/") {
						units = append(units, filepath.Base(qm))
					}
				}
			}
		}
	}
	sort.Strings(units)
	return root, units
}

// TestNestedQuadletsConvertAndVerify runs the real quadlet generator on the
// nested quadlets every drop-in installs (QM's /etc/containers/systemd),
// first -dryrun, then into the stub root, and systemd-analyze verify on each
// generated service and on each unit the drop-ins ship inside QM (wayland's
// sockets and session, text2speech's path unit), with their enablement
// links in place.
func TestNestedQuadletsConvertAndVerify(t *testing.T) {
	q := verifiers.Quadlet(t)
	sa := verifiers.Need(t, "systemd-analyze")
	root, units := qmViewRoot(t)
	require.Equal(t, []string{"qm-dbus.socket", "text2speech.path", "wayland-session.service", "wayland.socket"}, units)
	nested := filepath.Join(root, "etc/containers/systemd")
	env := verifiers.Cmd{Env: []string{"QUADLET_UNIT_DIRS=" + nested}}

	dry := env.Run(t, q, "-dryrun")
	require.Equal(t, 0, dry.Code, dry.Stderr)
	var services []string
	for _, l := range strings.Split(dry.Stdout, "\n") {
		if name, ok := strings.CutPrefix(l, "---"); ok && strings.HasSuffix(name, "---") {
			services = append(services, strings.TrimSuffix(name, "---"))
		}
	}
	sort.Strings(services)
	require.Equal(t, []string{"audio.service", "kvm.service", "qm-dbus-broker.service", "rear-camera.service", "ros2.service", "text2speech.service", "wayland-compositor.service"}, services)
	require.Contains(t, dry.Stdout, "--annotation org.containers.qm.wayland.seat=seat0")
	require.Contains(t, dry.Stdout, "--device /dev/tty7")
	require.Contains(t, dry.Stdout, "Image=localhost/qm-text2speech:latest", "the image as podman gets it")

	// systemd-analyze verify does not run generators: the generated units
	// go where it looks, QM's /etc/systemd/system.
	gen := filepath.Join(root, "etc/systemd/system")
	r := env.Run(t, q, "-no-kmsg-log", gen)
	require.Equal(t, 0, r.Code, r.Stderr)
	for _, u := range append(services, units...) {
		t.Run(u, func(t *testing.T) {
			v := verifiers.Run(t, sa, "verify", "--man=no", "--recursive-errors=no", "--root="+root, u)
			require.Equal(t, 0, v.Code, v.Stdout+v.Stderr)
			require.Empty(t, strings.TrimSpace(v.Stderr), "systemd-analyze has no complaint")
		})
	}
	// The enablement links point at the units QM has.
	for _, l := range []string{"sockets.target.wants/qm-dbus.socket", "sockets.target.wants/wayland.socket",
		"graphical.target.wants/wayland-session.service", "multi-user.target.wants/text2speech.path"} {
		p := filepath.Join(root, "etc/systemd/system", l)
		target, err := os.Readlink(p)
		require.NoError(t, err)
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(l), target)
			target = filepath.Join("/etc/systemd/system", target)
		}
		_, err = os.Stat(filepath.Join(root, target))
		require.NoError(t, err, "%s -> %s", l, target)
	}
}

// TestDropinScriptsPassShellcheck runs shellcheck on every shell script a
// drop-in installs (wayland-session).
func TestDropinScriptsPassShellcheck(t *testing.T) {
	sc := verifiers.Need(t, "shellcheck")
	pkgs := composed.All(t)
	n := 0
	for _, p := range pkgs {
		for _, f := range p.Files {
			if f.Kind == rpmspec.KindFile && f.Mode&0o111 != 0 && strings.HasPrefix(string(f.Body), "#!/bin/sh") {
				n++
				res := verifiers.Cmd{Stdin: f.Body}.Run(t, sc, "-s", "sh", "-f", "gcc", "-")
				require.Equal(t, 0, res.Code, "%s of %s:\n%s", f.Path, p.Name, res.Stdout)
			}
		}
	}
	require.NotZero(t, n)
}
