package bluechi

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs/unitfile"
	"github.com/qm-build/qm-build/test/golden"
)

func TestAgentConf(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    Options
		want map[string]string
		none []string
	}{
		{"tcp", Options{Name: "car1", ControllerHost: "192.168.1.10"},
			map[string]string{KeyNodeName: "qm.car1", KeyControllerHost: "192.168.1.10", KeyControllerPort: "842"}, []string{KeyControllerAddress}},
		{"tcp-port", Options{Name: "car1", ControllerHost: "ctl.example", ControllerPort: 2020},
			map[string]string{KeyControllerPort: "2020"}, nil},
		{"uds", Options{Name: "car1", ControllerSocket: true},
			map[string]string{KeyNodeName: "qm.car1", KeyControllerAddress: "unix:path=/run/bluechi.sock"}, []string{KeyControllerHost, KeyControllerPort}},
		{"no-controller", Options{Name: "localrootfs"},
			map[string]string{KeyNodeName: "qm.localrootfs"}, []string{KeyControllerHost, KeyControllerAddress}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := AgentConf(tc.o)
			back, err := unitfile.ParseBytes(f.Bytes(), "agent.conf")
			require.NoError(t, err)
			require.Equal(t, []string{Section}, back.Sections())
			for k, v := range tc.want {
				got, ok := back.Lookup(Section, k)
				require.True(t, ok, k)
				require.Equal(t, v, got, k)
			}
			for _, k := range tc.none {
				_, ok := back.Lookup(Section, k)
				require.False(t, ok, k)
			}
			golden.Check(t, filepath.Join("testdata", "agent-"+tc.name+".conf.golden"), f.Bytes())
		})
	}
}

func TestNotesNameTheNode(t *testing.T) {
	n := Notes(Options{Name: "car1", ControllerSocket: true})
	require.Len(t, n, 1)
	require.Contains(t, n[0], "AllowedNodeNames=qm.car1")
	require.Contains(t, n[0], "/run/bluechi/bluechi.sock")
	require.Contains(t, Notes(Options{Name: "car1"})[0], "no controller address")
}

func parse(t *testing.T, name, body string) *unitfile.File {
	t.Helper()
	f, err := unitfile.ParseBytes([]byte(body), name)
	require.NoError(t, err)
	return f
}

func TestHostNodeName(t *testing.T) {
	base := parse(t, HostConf, "[bluechi-agent]\nNodeName=car1\nControllerHost=127.0.0.1\n")
	for _, tc := range []struct {
		name    string
		base    *unitfile.File
		dropins []*unitfile.File
		want    string
		ok      bool
	}{
		{"from agent.conf", base, nil, "car1", true},
		{"drop-in wins", base, []*unitfile.File{parse(t, "/etc/bluechi/agent.conf.d/10-name.conf", "[bluechi-agent]\nNodeName=car2\n")}, "car2", true},
		{"later drop-in wins whatever the order given", base, []*unitfile.File{
			parse(t, "/etc/bluechi/agent.conf.d/20-b.conf", "[bluechi-agent]\nNodeName=b\n"),
			parse(t, "/etc/bluechi/agent.conf.d/10-a.conf", "[bluechi-agent]\nNodeName=a\n"),
		}, "b", true},
		{"only a drop-in", nil, []*unitfile.File{parse(t, "/etc/bluechi/agent.conf.d/x.conf", "[bluechi-agent]\nNodeName=solo\n")}, "solo", true},
		{"empty NodeName is absent", parse(t, HostConf, "[bluechi-agent]\nNodeName=\n"), nil, "", false},
		{"qm. prefix is not doubled", parse(t, HostConf, "[bluechi-agent]\nNodeName=qm.car1\n"), nil, "car1", true},
		{"other section ignored", parse(t, HostConf, "[bluechi-controller]\nNodeName=x\n"), nil, "", false},
		{"nothing", nil, nil, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := HostNodeName(tc.base, tc.dropins)
			require.Equal(t, tc.ok, ok)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestValidName(t *testing.T) {
	for _, good := range []string{"car1", "localrootfs", "ecu-2.lab", "A1"} {
		require.NoError(t, ValidName(good), good)
	}
	for bad, want := range map[string]string{
		"":                              "is empty",
		"bad_name":                      "contains '_'",
		"-x":                            "starting or ending with '-'",
		"a..b":                          "empty label",
		"x.":                            "empty label",
		"sp ace":                        "contains ' '",
		strings.Repeat("a", 64):         "longer than 63",
		strings.Repeat("a.", 126) + "a": "longer than 250",
	} {
		err := ValidName(bad)
		require.Error(t, err, bad)
		require.Contains(t, err.Error(), want, bad)
	}
}
