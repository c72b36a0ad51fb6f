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
		require.Contains(t, res.stdout, "  images:  kvm=qm-images/kvm:latest\n")
		require.Contains(t, res.stdout, "  needs:   sound\n")
		require.Contains(t, res.stdout, "  files:   /etc/containers/systemd/qm.container.d/kvm.conf\n")
		for _, n := range cat.Names() {
			require.Contains(t, res.stdout, n+" (qm-"+n+"): ")
		}
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
