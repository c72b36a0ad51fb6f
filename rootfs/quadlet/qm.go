package quadlet

import (
	"strings"
)

// Paths as on the image.
const (
	// Path is where the qm package installs QM's quadlet.
	Path = "/usr/share/containers/systemd/qm.container"
	// DropinDir is where qm-build and drop-in packages put QM's quadlet
	// drop-ins (quadlet reads /etc before /usr/share).
	DropinDir = "/etc/containers/systemd/qm.container.d"
	// OptionsDropinName is the drop-in carrying build options. The 50- prefix
	// leaves room for users: quadlet applies drop-ins in file-name order, so a
	// 90-local.conf overrides it.
	OptionsDropinName = "50-qm-build-options.conf"
	// BlueChiSocketDropinName mounts the host's BlueChi controller socket.
	BlueChiSocketDropinName = "50-qm-build-bluechi-socket.conf"

	Rootfs         = "/usr/lib/qm/rootfs"
	EtcDir         = "/etc/qm"
	VarDir         = "/var/qm"
	SeccompProfile = "/usr/share/qm/seccomp-no-rt.json"

	// BlueChiHostSocket is the controller's socket on the host, and
	// BlueChiQMSocket where QM sees it (upstream CI's drop-in, containers/qm
	// #390, #705, #920).
	BlueChiHostSocket = "/run/bluechi/bluechi.sock"
	BlueChiQMSocket   = "/run/bluechi.sock"

	// DefaultTimezone is used when neither an option nor the target tree says.
	DefaultTimezone = "UTC"
)

// QM returns QM's quadlet with upstream QM's defaults (containers/qm v1.0,
// etc/containers/systemd/qm.container). Differences from upstream, each on
// purpose:
//   - paths are written out (Rootfs=/usr/lib/qm/rootfs) instead of ${ROOTFS}
//     variables, so that quadlet's output names them; the Environment= lines
//     defining the variables stay for scripts that read them;
//   - Timezone= is resolved at build time (upstream writes "local" and edits
//     it in %post on ostree, containers/qm #367);
//   - SecurityLabelNested=true is written once (upstream lists it twice);
//   - /dev/kvm comes with the qm-kvm drop-in, not the base unit;
//   - a Description names the unit in systemctl.
func QM(timezone string) *Unit {
	if timezone == "" {
		timezone = DefaultTimezone
	}
	return &Unit{
		Comment: []string{
			"QM: a partition for Quality Management software, run by podman's quadlet.",
			"Written by qm-build. Change it with drop-ins in " + DropinDir + "/,",
			"not by editing this file.",
		},
		Description: "QM: containerized environment for Quality Management software",

		ContainerName:         "qm",
		Rootfs:                Rootfs,
		Exec:                  "/sbin/init",
		SecurityLabelType:     "qm_t",
		SecurityLabelFileType: "qm_file_t",
		SecurityLabelLevel:    "s0",
		SecurityLabelNested:   Bool(true),
		ReadOnly:              Bool(true),
		ReadOnlyTmpfs:         Bool(true),
		Network:               "private",
		AddCapability:         []string{"all"},
		DropCapability:        []string{"sys_boot sys_resource"},
		SeccompProfile:        SeccompProfile,
		PidsLimit:             "-1",
		Sysctl:                []string{"fs.mqueue.queues_max=4"},
		Timezone:              timezone,
		Volume: []string{
			EtcDir + ":/etc",
			VarDir + ":/var",
			VarDir + "/tmp:/var/tmp",
		},
		AddDevice: []string{"-/dev/fuse"},

		Environment: []string{
			"ROOTFS=" + Rootfs,
			"RWETCFS=" + EtcDir,
			"RWVARFS=" + VarDir,
		},
		OOMScoreAdjust: "500",
		CPUWeight:      "idle",
		IOWeight:       "50",
		MemoryMax:      "infinity",
		MemoryHigh:     "infinity",
		MemorySwapMax:  "0",
		ManagedOOMSwap: "kill",
		TasksMax:       "50%",
		LimitNOFILE:    "65536",
		Delegate:       Bool(true),
		Restart:        "always",
		Slice:          "-.slice",

		WantedBy: []string{"default.target"},
	}
}

// Options are the build options that change QM's container. Each lands in the
// options drop-in; the zero value changes nothing.
type Options struct {
	MemoryMax  string   // MemoryMax=
	MemoryHigh string   // MemoryHigh=
	CPUWeight  string   // CPUWeight=
	Writable   bool     // ReadOnly=false
	Network    string   // Network=
	Timezone   string   // Timezone=
	Volumes    []string // Volume=
	Devices    []string // AddDevice=-DEVICE
	// VarPartition says /var/qm is a mount point of its own: QM starts only
	// once it is mounted ([Unit] RequiresMountsFor=/var/qm).
	VarPartition bool
	// SeccompProfile replaces the packaged profile (a profile derived at build
	// time from the image's own containers profile).
	SeccompProfile string
}

// OptionsDropin returns the drop-in for o, or nil when o changes nothing.
func OptionsDropin(o Options) *Unit {
	u := &Unit{
		Comment:        []string{"Build options for QM, written by qm-build (see qm-build build --help)."},
		MemoryMax:      o.MemoryMax,
		MemoryHigh:     o.MemoryHigh,
		CPUWeight:      o.CPUWeight,
		Network:        o.Network,
		Timezone:       o.Timezone,
		SeccompProfile: o.SeccompProfile,
		Volume:         append([]string(nil), o.Volumes...),
		AddDevice:      optionalDevices(o.Devices),
	}
	if o.Writable {
		u.ReadOnly = Bool(false)
	}
	if o.VarPartition {
		u.RequiresMountsFor = []string{VarDir}
	}
	if u.Empty() {
		return nil
	}
	return u
}

// BlueChiSocketDropin mounts the host's BlueChi controller socket into QM, so
// that QM's agent reaches the controller over a unix socket even with
// Network=private.
func BlueChiSocketDropin() *Unit {
	return &Unit{
		Comment: []string{"QM's BlueChi agent reaches the host controller through its unix socket (qm-build --controller-socket)."},
		Volume:  []string{BlueChiHostSocket + ":" + BlueChiQMSocket},
	}
}

// DevicesDropin is the drop-in through which the drop-in package pkg adds
// its devices and annotations to QM. Each device is optional (AddDevice=-):
// quadlet skips it when the host lacks it. Each annotation (KEY=VALUE) asks
// QM's OCI hooks for the devices it names when the container is created.
func DevicesDropin(pkg string, devices, annotations []string) *Unit {
	var what []string
	if len(devices) > 0 {
		what = append(what, "devices for the QM container (AddDevice=-: optional)")
	}
	if len(annotations) > 0 {
		what = append(what, "annotations whose devices QM's OCI hooks add (qm-oci-hooks)")
	}
	return &Unit{
		Comment:    []string{"From " + pkg + ": " + strings.Join(what, "; ") + "."},
		AddDevice:  optionalDevices(devices),
		Annotation: append([]string(nil), annotations...),
	}
}

func optionalDevices(devices []string) []string {
	var out []string
	for _, d := range devices {
		out = append(out, "-"+strings.TrimPrefix(d, "-"))
	}
	return out
}
