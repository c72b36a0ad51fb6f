package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBluechiCommand(t *testing.T) {
	hostTree := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(hostTree, "etc/bluechi"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(hostTree, "etc/bluechi/agent.conf"), []byte("[bluechi-agent]\nNodeName=ecu1\n"), 0o644))
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		stdout   []string
		stderr   string
		noStdout []string
	}{
		{"tcp", []string{"--hostname", "car1", "--controller-host", "192.0.2.1"}, exitOK,
			[]string{"NodeName=qm.car1\n", "ControllerHost=192.0.2.1\n", "ControllerPort=842\n"}, "AllowedNodeNames=qm.car1", []string{"ControllerAddress"}},
		{"uds", []string{"--hostname", "car1", "--controller-socket"}, exitOK,
			[]string{"ControllerAddress=unix:path=/run/bluechi.sock\n", "Volume=/run/bluechi/bluechi.sock:/run/bluechi.sock\n"}, "AllowedNodeNames=qm.car1", []string{"ControllerHost"}},
		{"name from the tree", []string{"--root", hostTree}, exitOK, []string{"NodeName=qm.ecu1\n"}, "", nil},
		{"flag beats the tree", []string{"--root", hostTree, "--hostname", "car9"}, exitOK, []string{"NodeName=qm.car9\n"}, "", nil},
		{"invalid hostname", []string{"--hostname", "bad_name"}, exitBadInput, nil, "--hostname", nil},
		{"socket and host", []string{"--controller-socket", "--controller-host", "ctl"}, exitBadInput, nil, "--controller-socket", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, nil, append([]string{"bluechi"}, tc.args...)...)
			require.Equal(t, tc.code, r.code, r.stderr)
			for _, s := range tc.stdout {
				require.Contains(t, r.stdout, s)
			}
			for _, s := range tc.noStdout {
				require.NotContains(t, r.stdout, s)
			}
			require.Contains(t, r.stderr, tc.stderr)
		})
	}
}
