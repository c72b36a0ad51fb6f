package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/test/composed"
)

func TestDropinsCommand(t *testing.T) {
	cat, err := rpmspec.Builtin()
	require.NoError(t, err)

	t.Run("json lists the catalog with each package's files", func(t *testing.T) {
		res := runCLI(t, nil, "dropins", "--output", "json")
		require.Equal(t, exitOK, res.code, res.stderr)
		var got []dropinInfo
		require.NoError(t, json.Unmarshal([]byte(res.stdout), &got))
		pkgs := composed.Compose(t, []string{"all"})
		require.Len(t, got, len(cat.Names()))
		for i, d := range got {
			want, _ := cat.Get(d.Name)
			require.Equal(t, cat.Names()[i], d.Name)
			require.Equal(t, want.PackageName(), d.Package)
			require.Equal(t, want.Version, d.Version)
			require.Equal(t, want.Status, d.Status)
			require.Equal(t, want.Note, d.Note)
			require.Equal(t, want.Summary, d.Summary)
			require.Equal(t, want.Legacy, d.Legacy)
			require.Equal(t, want.Devices.QM, d.QMDevices)
			require.Equal(t, want.Images, d.Images)
			var files []string
			for _, p := range pkgs {
				if p.Name == d.Package {
					for _, f := range p.SortedFiles() {
						files = append(files, f.Path)
					}
				}
			}
			require.Equal(t, files, d.Files, d.Name)
		}
	})
	t.Run("text", func(t *testing.T) {
		res := runCLI(t, nil, "dropins")
		require.Equal(t, exitOK, res.code, res.stderr)
		require.Contains(t, res.stdout, "kvm (qm-kvm): KVM and TUN devices for QM, and a nested virtual-machine container\n")
		require.Contains(t, res.stdout, "  legacy:  qm_mount_bind_kvm, qm-mount-bind-kvm\n")
		require.Contains(t, res.stdout, "  devices: /dev/kvm, /dev/net/tun\n")
		require.Contains(t, res.stdout, "  images:  kvm=quay.io/qm-images/kvm:latest\n")
		require.Contains(t, res.stdout, "  needs:   sound\n")
		require.Contains(t, res.stdout, "  annotate: org.containers.qm.device.audio=true\n")
		require.Contains(t, res.stdout, "  files:   /etc/containers/systemd/qm.container.d/kvm.conf\n")
		require.Contains(t, res.stdout, "oci-hooks (qm-oci-hooks 0.1.0): ")
		require.Contains(t, res.stdout, "  arch:    per-architecture (--hook-binary)\n")
		require.Contains(t, res.stdout, "/usr/libexec/oci/hooks.d/qm-oci-hook\n")
		for _, d := range cat.All() {
			header := d.Name + " (" + d.PackageName()
			if d.Version != "" {
				header += " " + d.Version
			}
			header += ")"
			if d.IsLegacy() {
				require.Contains(t, res.stdout, header+" [legacy]: ")
				require.Contains(t, res.stdout, "  status:  legacy: "+d.Note+"\n")
			} else {
				require.Contains(t, res.stdout, header+": ")
			}
		}
	})
	// The catalog lists upstream's packages today under their names, and
	// the drop-ins upstream removed as legacy, in text and in JSON.
	t.Run("upstream's packages, current and legacy", func(t *testing.T) {
		res := runCLI(t, nil, "dropins", "--output", "json")
		require.Equal(t, exitOK, res.code, res.stderr)
		var got []dropinInfo
		require.NoError(t, json.Unmarshal([]byte(res.stdout), &got))
		status := map[string]string{}
		for _, d := range got {
			status[d.Package] = d.Status
		}
		for _, p := range []string{"qm-kvm", "qm-sound", "qm-mount-bind-video", "qm-ros2", "qm-text2speech", "qm-oci-hooks", "qm-wayland"} {
			require.Equal(t, "current", status[p], p)
		}
		for _, p := range []string{"qm-dvb", "qm-input", "qm-radio", "qm-tty7", "qm-ttyUSB0", "qm-img-tempdir", "qm-windowmanager"} {
			require.Equal(t, "legacy", status[p], p)
		}
		require.Len(t, status, 14)
	})
	t.Run("user drop-ins are listed too", func(t *testing.T) {
		res := runCLI(t, nil, "dropins", "--dropin-dir", composed.UserDropinDir(t))
		require.Equal(t, exitOK, res.code, res.stderr)
		require.Contains(t, res.stdout, "front-camera (qm-front-camera): Front camera for QM and a nested capture container\n")
		require.Contains(t, res.stdout, "  images:  capture=localhost/front-camera:1.0\n")
	})
	t.Run("bad input", func(t *testing.T) {
		require.Equal(t, exitBadInput, runCLI(t, nil, "dropins", "--output", "xml").code)
		require.Equal(t, exitBadInput, runCLI(t, nil, "dropins", "kvm").code)
		require.Equal(t, exitBadInput, runCLI(t, nil, "dropins", "--dropin-dir", "/nonexistent").code)
	})
}
