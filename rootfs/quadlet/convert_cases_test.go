package quadlet

import (
	"bytes"
	"errors"
	"github.com/qm-build/qm-build/rpmspec"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rootfs/unitfile"
)

// upstreamQM is a qm.container shaped like upstream QM's (variables for the
// paths, AddDevice=-/dev/kvm, SecurityLabelNested twice, Timezone=local).
const upstreamQM = `[Install]
WantedBy=default.target

[Service]
CPUWeight=idle
Delegate=true
IOWeight=50
ManagedOOMSwap=kill
MemorySwapMax=0
OOMScoreAdjust=500
Restart=always
Slice=-.slice
LimitNOFILE=65536
TasksMax=50%
Environment=ROOTFS=/usr/lib/qm/rootfs
Environment=RWETCFS=/etc/qm
Environment=RWVARFS=/var/qm

[Container]
AddCapability=all
AddDevice=-/dev/kvm
AddDevice=-/dev/fuse
ContainerName=qm
DropCapability=sys_boot sys_resource
Exec=/sbin/init
Network=private
PidsLimit=-1
ReadOnly=true
ReadOnlyTmpfs=true
Rootfs=${ROOTFS}
SeccompProfile=/usr/share/qm/seccomp-no-rt.json
SecurityLabelNested=true
SecurityLabelFileType=qm_file_t
SecurityLabelLevel=s0
SecurityLabelNested=true
SecurityLabelType=qm_t
Sysctl=fs.mqueue.queues_max=4
Timezone=local
Volume=${RWETCFS}:/etc
Volume=${RWVARFS}:/var
Volume=${RWVARFS}/tmp:/var/tmp
`

func TestConvertAgreesWithQuadlet(t *testing.T) {
	const base = "/usr/share/containers/systemd/qm.container"
	const dropins = "/etc/containers/systemd/qm.container.d/"
	qmBuild := string(QM("UTC").Bytes())
	for _, tc := range []struct {
		name  string
		files map[string]string
	}{
		{"qm-build's unit", map[string]string{base: qmBuild}},
		{"qm-build's unit with its drop-ins", map[string]string{
			base:                              string(QM("Europe/Berlin").Bytes()),
			dropins + OptionsDropinName:       string(OptionsDropin(Options{MemoryMax: "2G", VarPartition: true, Volumes: []string{"/srv/maps:/srv/maps:ro"}, Devices: []string{"/dev/null"}}).Bytes()),
			dropins + BlueChiSocketDropinName: string(BlueChiSocketDropin().Bytes()),
			dropins + "kvm.conf":              string(DevicesDropin("qm-kvm", []string{"/dev/kvm", "/dev/net/tun"}, nil).Bytes()),
		}},
		{"upstream's unit", map[string]string{base: upstreamQM}},
		{"upstream's unit with its drop-ins", map[string]string{
			base: upstreamQM,
			dropins + "qm_dropin_mount_bind_kvm.conf":   "# kvm\n[Container]\nAddDevice=-/dev/net/tun\nAddDevice=-/dev/kvm\n",
			dropins + "qm_dropin_mount_bind_snd.conf":   "[Container]\nAnnotation=org.containers.qm.device.audio=true\n",
			dropins + "qm_dropin_mount_bind_video.conf": "[Container]\nAddDevice=-/dev/video0\n",
		}},
		{"PodmanArgs continued over lines, GlobalArgs, a module", map[string]string{
			base: qmBuild,
			dropins + "90-args.conf": "[Container]\nPodmanArgs=--read-only=false \\\n  --oom-score-adj=-1000\\\n# a comment\n --sysctl fs.mqueue.queues_max=100000 --device-cgroup-rule=\"c 1:1 rwm\"\n" +
				"GlobalArgs=--hooks-dir=/etc/qm/hooks --log-level info\nContainersConfModule=/etc/qm/m.conf\n",
		}},
		{"list resets and quoting", map[string]string{
			base: qmBuild,
			dropins + "50-a.conf": "[Container]\nVolume=\nVolume=/var/qm:/var\nTmpfs=/var/tmp\nDropCapability=\nDropCapability=\"sys_boot\" 'sys_module'\n" +
				"Environment=A=1 \"B=two words\"\nLabel=x=1\nAnnotation=org.containers.qm.device.video=true org.containers.qm.device.audio=true\n",
			"/usr/share/containers/systemd/container.d/10-all.conf": "[Container]\nNetwork=host\nAnnotation=a=b\n",
		}},
		{"type-wide drop-in in /etc beats the unit's in /usr/share", map[string]string{
			base: qmBuild,
			"/usr/share/containers/systemd/qm.container.d/50.conf": "[Container]\nReadOnly=false\n",
			"/etc/containers/systemd/container.d/50.conf":          "[Container]\nReadOnly=true\n",
		}},
		{"a unit in a subdirectory", map[string]string{
			"/usr/share/containers/systemd/vendor/qm.container":          qmBuild,
			"/usr/share/containers/systemd/vendor/qm.container.d/x.conf": "[Container]\nPodmanArgs=--privileged\n",
		}},
		{"every boolean and string key", map[string]string{
			base: qmBuild,
			dropins + "80-keys.conf": "[Container]\nNoNewPrivileges=true\nSecurityLabelDisable=yes\nRunInit=on\nEnvironmentHost=false\n" +
				"VolatileTmp=true\nReadOnly=no\nUser=1000\nGroup=1000\nUserNS=auto\nMask=/proc/a /proc/b\nUnmask=ALL\n" +
				"Mount=type=bind,src=/srv/x,dst=/x\nMount=type=tmpfs,dst=/y\nPublishPort=8080:80\nExposeHostPort=9090\n" +
				"HealthCmd=/bin/true\nHealthInterval=30s\nSecret=s1\nEnvironmentFile=env\nNotify=healthy\nCgroupsMode=enabled\n" +
				"LogDriver=journald\nLogOpt=tag=qm\nAutoUpdate=registry\nHostName=qm\nShmSize=64m\nPull=never\n",
		}},
		{"a drop-in sets [Service] and [Unit]", map[string]string{
			base:                    qmBuild,
			dropins + "30-svc.conf": "[Service]\nDelegate=no\nOOMScoreAdjust=-1000\nExecStartPre=/bin/true\nKillMode=control-group\n[Unit]\nRequiresMountsFor=/var/qm\n[Quadlet]\nDefaultDependencies=false\n",
		}},
		{"an unsupported key", map[string]string{base: qmBuild, dropins + "99.conf": "[Container]\nBogusKey=1\n"}},
		{"image and rootfs", map[string]string{base: qmBuild, dropins + "99.conf": "[Container]\nImage=quay.io/x/y\n"}},
		{"invalid KillMode", map[string]string{base: qmBuild, dropins + "99.conf": "[Service]\nKillMode=process\n"}},
		{"a broken drop-in is skipped", map[string]string{base: qmBuild, dropins + "99.conf": "[Container\nPodmanArgs=--privileged\n", dropins + "98.conf": "[Container]\nNetwork=host\n"}},
		{"empty quoted words end PodmanArgs", map[string]string{base: qmBuild, dropins + "99.conf": "[Container]\nPodmanArgs=--read-only=false \"\" --privileged\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := writeTree(t, tc.files)
			requireSameAsQuadlet(t, root, "qm.container")
		})
	}
}

// FuzzConvert: whatever quadlet's parser reads, Convert either refuses with
// a ConvertError or generates a service whose ExecStart reads back to the
// command line it reports.
func FuzzConvert(f *testing.F) {
	f.Add([]byte(upstreamQM))
	for _, g := range []string{"qm.container.golden", "options-all.conf.golden", "devices-kvm.conf.golden"} {
		data, err := os.ReadFile(filepath.Join("testdata", g))
		require.NoError(f, err)
		f.Add(data)
	}
	base := QM("UTC").Bytes()
	f.Fuzz(func(t *testing.T, dropin []byte) {
		b, err := unitfile.ParseQuadlet(base, rpmspec.QuadletPath)
		require.NoError(t, err)
		d, err := unitfile.ParseQuadlet(dropin, "/etc/containers/systemd/qm.container.d/x.conf")
		if err != nil {
			return
		}
		g, err := Convert(unitfile.Merge(b, d), "qm.container", rpmspec.QuadletPath, ConvertOptions{})
		if err != nil {
			var ce *ConvertError
			require.True(t, errors.As(err, &ce), "%v", err)
			return
		}
		e, ok := g.Service.LookupEntry(GroupService, "ExecStart")
		require.True(t, ok)
		words, err := unitfile.SplitWords(e.Value, unitfile.SplitUnquote|unitfile.SplitCUnescape)
		if err != nil || bytes.IndexByte(dropin, 0) >= 0 {
			return // a value systemd cannot read either (a NUL, an invalid escape)
		}
		var want []string
		for _, a := range g.ExecStart {
			want = append(want, a.Value)
		}
		require.Equal(t, len(want), len(words), "%q", e.Value)
	})
}
