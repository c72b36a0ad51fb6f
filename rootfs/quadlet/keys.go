package quadlet

import (
	"fmt"
	"sort"
	"sync"

	"github.com/qm-build/qm-build/rootfs/unitfile"
	"github.com/qm-build/qm-build/rpmspec"
)

// Groups of a .container file (podman-systemd.unit(5)). Unit, Service and
// Install pass through to the generated service unit; systemd checks them.
const (
	GroupUnit      = "Unit"
	GroupContainer = "Container"
	GroupService   = "Service"
	GroupInstall   = "Install"
	GroupQuadlet   = "Quadlet"
)

// Keys qm-build writes. [Container] keys are quadlet's; the others are
// systemd's (systemd.unit(5), systemd.service(5), systemd.resource-control(5),
// systemd.exec(5)).
const (
	// [Unit]
	KeyDescription       = "Description"
	KeyRequiresMountsFor = "RequiresMountsFor"

	// [Container]
	KeyAddCapability         = "AddCapability"
	KeyAddDevice             = "AddDevice"
	KeyAnnotation            = "Annotation"
	KeyContainerName         = "ContainerName"
	KeyDropCapability        = "DropCapability"
	KeyExec                  = "Exec"
	KeyImage                 = "Image"
	KeyNetwork               = "Network"
	KeyPidsLimit             = "PidsLimit"
	KeyReadOnly              = "ReadOnly"
	KeyReadOnlyTmpfs         = "ReadOnlyTmpfs"
	KeyRootfs                = "Rootfs"
	KeySeccompProfile        = "SeccompProfile"
	KeySecurityLabelFileType = "SecurityLabelFileType"
	KeySecurityLabelLevel    = "SecurityLabelLevel"
	KeySecurityLabelNested   = "SecurityLabelNested"
	KeySecurityLabelType     = "SecurityLabelType"
	KeySysctl                = "Sysctl"
	KeyTimezone              = "Timezone"
	KeyVolume                = "Volume"

	// [Service]
	KeyCPUWeight      = "CPUWeight"
	KeyDelegate       = "Delegate"
	KeyEnvironment    = "Environment"
	KeyIOWeight       = "IOWeight"
	KeyLimitNOFILE    = "LimitNOFILE"
	KeyManagedOOMSwap = "ManagedOOMSwap"
	KeyMemoryHigh     = "MemoryHigh"
	KeyMemoryMax      = "MemoryMax"
	KeyMemorySwapMax  = "MemorySwapMax"
	KeyOOMScoreAdjust = "OOMScoreAdjust"
	KeyRestart        = "Restart"
	KeySlice          = "Slice"
	KeyTasksMax       = "TasksMax"

	// [Install]
	KeyWantedBy = "WantedBy"
)

// SupportedKeys are the keys quadlet accepts in its own groups, as in podman
// 5.4.2 (the version the tests run; podman-systemd.unit(5)). Quadlet fails on
// any other key there ("unsupported key 'X' in group 'Container'"). Groups
// that pass through to systemd are not listed: systemd-analyze checks them.
var SupportedKeys = sync.OnceValue(func() map[string][]string {
	return map[string][]string{
		GroupContainer: {
			"AddCapability", "AddDevice", "AddHost", "Annotation", "AutoUpdate",
			"CgroupsMode", "ContainerName", "ContainersConfModule", "DNS",
			"DNSOption", "DNSSearch", "DropCapability", "Entrypoint", "Environment",
			"EnvironmentFile", "EnvironmentHost", "Exec", "ExposeHostPort", "GIDMap",
			"GlobalArgs", "Group", "GroupAdd", "HealthCmd", "HealthInterval",
			"HealthLogDestination", "HealthMaxLogCount", "HealthMaxLogSize",
			"HealthOnFailure", "HealthRetries", "HealthStartPeriod",
			"HealthStartupCmd", "HealthStartupInterval", "HealthStartupRetries",
			"HealthStartupSuccess", "HealthStartupTimeout", "HealthTimeout",
			"HostName", "IP", "IP6", "Image", "Label", "LogDriver", "LogOpt", "Mask",
			"Mount", "Network", "NetworkAlias", "NoNewPrivileges", "Notify",
			"PidsLimit", "Pod", "PodmanArgs", "PublishPort", "Pull", "ReadOnly",
			"ReadOnlyTmpfs", "RemapGid", "RemapUid", "RemapUidSize", "RemapUsers",
			"Rootfs", "RunInit", "SeccompProfile", "Secret", "SecurityLabelDisable",
			"SecurityLabelFileType", "SecurityLabelLevel", "SecurityLabelNested",
			"SecurityLabelType", "ServiceName", "ShmSize", "StartWithPod",
			"StopSignal", "StopTimeout", "SubGIDMap", "SubUIDMap", "Sysctl",
			"Timezone", "Tmpfs", "UIDMap", "Ulimit", "Unmask", "User", "UserNS",
			"VolatileTmp", "Volume", "WorkingDir",
		},
		GroupQuadlet: {"DefaultDependencies"},
	}
})

// Supported reports whether quadlet accepts key in group. Groups quadlet does
// not own (Unit, Service, Install, X-…) accept any key here.
func Supported(group, key string) bool {
	keys, ok := SupportedKeys()[group]
	if !ok {
		return true
	}
	i := sort.SearchStrings(keys, key)
	return i < len(keys) && keys[i] == key
}

// CheckKeys reports every key of f that quadlet does not support in its
// group, each an rpmspec.InputError with its file:line (bad input), joined;
// nil when all are supported.
func CheckKeys(f *unitfile.File) error {
	var errs rpmspec.Errors
	for _, e := range f.Entries() {
		if !Supported(e.Section, e.Key) {
			errs = append(errs, &rpmspec.InputError{File: e.File, Line: e.Line,
				Msg: fmt.Sprintf("unsupported key %q in group %q", e.Key, e.Section)})
		}
	}
	return errs.Err()
}
