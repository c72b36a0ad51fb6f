package check

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/stages/check/target"
)

// treeContext writes files (image path → content) into a fresh tree and
// returns a Context over it.
func treeContext(t testing.TB, files map[string]string) *Context {
	t.Helper()
	dir := t.TempDir()
	for p, body := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, []byte(body), 0o644))
	}
	tg, err := target.Open("tree:"+dir, target.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { tg.Close() })
	return &Context{Target: tg, FS: tg.FS, RootUID: os.Geteuid(), RootGID: os.Getegid()}
}

func TestQuadletSearchAndShadowing(t *testing.T) {
	for _, tc := range []struct {
		name      string
		files     map[string]string
		wantPath  string
		shadowed  []string
		readOnly  string
		readOnlyF string
	}{
		{
			name:     "packaged unit only",
			files:    map[string]string{"/usr/share/containers/systemd/qm.container": "[Container]\nReadOnly=true\n"},
			wantPath: "/usr/share/containers/systemd/qm.container", readOnly: "true",
			readOnlyF: "/usr/share/containers/systemd/qm.container",
		},
		{
			name: "/etc shadows /usr/share, /run shadows /etc",
			files: map[string]string{
				"/usr/share/containers/systemd/qm.container": "[Container]\nReadOnly=true\n",
				"/etc/containers/systemd/qm.container":       "[Container]\nReadOnly=false\n",
				"/run/containers/systemd/qm.container":       "[Container]\nReadOnly=maybe\n",
			},
			wantPath: "/run/containers/systemd/qm.container",
			shadowed: []string{"/etc/containers/systemd/qm.container", "/usr/share/containers/systemd/qm.container"},
			readOnly: "maybe", readOnlyF: "/run/containers/systemd/qm.container",
		},
		{
			name: "drop-ins apply in name order across directories; a name in /etc hides the same name in /usr",
			files: map[string]string{
				"/usr/share/containers/systemd/qm.container":                "[Container]\nReadOnly=true\n",
				"/usr/share/containers/systemd/qm.container.d/20-b.conf":    "[Container]\nReadOnly=from-usr-20\n",
				"/etc/containers/systemd/qm.container.d/10-a.conf":          "[Container]\nReadOnly=from-etc-10\n",
				"/usr/lib/containers/systemd/qm.container.d/30-c.conf":      "[Container]\nReadOnly=from-lib-30\n",
				"/etc/containers/systemd/qm.container.d/30-c.conf":          "[Container]\nReadOnly=from-etc-30\n",
				"/usr/share/containers/systemd/qm.container.d/not-conf.txt": "[Container]\nReadOnly=ignored\n",
			},
			wantPath: "/usr/share/containers/systemd/qm.container",
			readOnly: "from-etc-30", readOnlyF: "/etc/containers/systemd/qm.container.d/30-c.conf",
		},
		{
			name: "the per-type container.d applies too",
			files: map[string]string{
				"/usr/share/containers/systemd/qm.container":  "[Container]\nReadOnly=true\n",
				"/etc/containers/systemd/container.d/99.conf": "[Container]\nReadOnly=no\n",
			},
			wantPath: "/usr/share/containers/systemd/qm.container",
			readOnly: "no", readOnlyF: "/etc/containers/systemd/container.d/99.conf",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := treeContext(t, tc.files).QM()
			require.Empty(t, v.Problems)
			require.Equal(t, tc.wantPath, v.Path)
			require.ElementsMatch(t, tc.shadowed, v.Shadowed)
			e, ok := v.container("ReadOnly")
			require.True(t, ok)
			require.Equal(t, tc.readOnly, e.Value)
			require.Equal(t, tc.readOnlyF, e.File)
			require.Equal(t, 2, e.Line)
		})
	}
}

func TestServiceDropinsAndEnvironment(t *testing.T) {
	c := treeContext(t, map[string]string{
		"/usr/share/containers/systemd/qm.container": "[Container]\nRootfs=${ROOTFS}\nVolume=$RWETCFS:/etc\n[Service]\nEnvironment=ROOTFS=/usr/lib/qm/rootfs RWETCFS=/etc/qm\nOOMScoreAdjust=500\n",
		"/etc/systemd/system/qm.service.d/10.conf":   "[Service]\nOOMScoreAdjust=-5\nEnvironment=\"ROOTFS=/ x\" 'Q=1 2'\n",
		"/usr/lib/systemd/system/service.d/00.conf":  "[Service]\nDelegate=yes\n",
	})
	v := c.QM()
	e, ok := v.service("OOMScoreAdjust")
	require.True(t, ok)
	require.Equal(t, "-5", e.Value)
	require.Equal(t, "/etc/systemd/system/qm.service.d/10.conf:2", e.Pos())
	d, ok := v.service("Delegate")
	require.True(t, ok)
	require.Equal(t, "yes", d.Value)
	_, inContainer := v.Container.LookupEntry("Service", "OOMScoreAdjust")
	require.True(t, inContainer)
	r, _ := v.container("Rootfs")
	require.Equal(t, "/ x", v.expand(r.Value), "the qm.service drop-in's Environment wins")
	vol := v.containerAll("Volume")
	require.Equal(t, "/etc/qm:/etc", v.expand(vol[0].Value))
	require.Equal(t, "1 2", v.env["Q"])
}

func TestSplitWords(t *testing.T) {
	for in, want := range map[string][]string{
		`A=1 B=2`:                       {"A=1", "B=2"},
		`"A=1 2" 'B=3'`:                 {"A=1 2", "B=3"},
		`--security-opt  label=disable`: {"--security-opt", "label=disable"},
		`""`:                            {""},
		``:                              nil,
	} {
		require.Equal(t, want, splitWords(in), in)
	}
}

// TestEscapingArgs covers both spellings of each forbidden podman argument.
func TestEscapingArgs(t *testing.T) {
	for _, tc := range []struct {
		args   string
		escape bool
	}{
		{"--privileged", true}, {"--privileged=true", true}, {"--privileged=false", false},
		{"--pid host", true}, {"--pid=host", true}, {"--ipc=host", true}, {"--uts=host", true},
		{"--userns=host", true}, {"--cgroupns=host", true}, {"--network=host", true}, {"--net=ns:/proc/1/ns/net", true},
		{"--pid=private", false},
		{"--security-opt label=disable", true}, {"--security-opt=label=disable", true},
		{"--security-opt unmask=ALL", true}, {"--security-opt seccomp=unconfined", true},
		{"--security-opt label=type:spc_t", true}, {"--security-opt label=type:qm_t", false},
		{"--device /dev/mem", true}, {"-v /:/host", true}, {"--mount type=bind,src=/,dst=/h", true},
		{"--cap-add sys_boot", true}, {"--log-level=debug --tz=UTC", false},
	} {
		got := escapingArgs(splitWords(tc.args)) != ""
		require.Equal(t, tc.escape, got, tc.args)
	}
}

// FuzzQuadletView feeds arbitrary qm.container and drop-in bytes through the
// whole unit-file reading path (search, parse, merge, expansion) and every
// image rule: nothing panics, the check returns a report, and every finding
// with a line names a line that exists in the file it names.
func FuzzQuadletView(f *testing.F) {
	unit, err := os.ReadFile("testdata/units/qm.container")
	require.NoError(f, err)
	tricky, err := os.ReadFile("testdata/units/99-tricky.conf")
	require.NoError(f, err)
	f.Add(unit, tricky)
	f.Add(unit, []byte("[Container]\nPodmanArgs=--privileged\n"))
	f.Add([]byte("[Container\n"), []byte(""))
	f.Add([]byte("[Service]\nEnvironment=\"A=${A}\" B=$\nOOMScoreAdjust=x\n"), []byte("[Container]\nRootfs=${A\n"))
	f.Fuzz(func(t *testing.T, container, dropin []byte) {
		files := map[string]string{
			"/usr/share/containers/systemd/qm.container":          string(container),
			"/etc/containers/systemd/qm.container.d/99-fuzz.conf": string(dropin),
		}
		c := treeContext(t, files)
		r, err := Run(context.Background(), c.Target, Options{RootUID: c.RootUID, RootGID: c.RootGID})
		require.NoError(t, err)
		for _, fd := range r.Findings() {
			if fd.Line == 0 {
				continue
			}
			body, ok := files[fd.Path]
			require.True(t, ok, "finding %s names a line of a file the test did not write", fd)
			require.LessOrEqual(t, fd.Line, strings.Count(body, "\n")+1, "finding %s", fd)
		}
	})
}
