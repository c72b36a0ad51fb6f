package quadlet

import (
	"strconv"
	"sync"

	"github.com/qm-build/qm-build/rootfs/unitfile"
)

// Unit is a quadlet .container file or drop-in as data. A zero field is not
// written: a drop-in sets only what it changes.
type Unit struct {
	// Comment lines written at the top of the file.
	Comment []string

	// [Unit]
	Description       string
	RequiresMountsFor []string

	// [Container]
	ContainerName         string
	Image                 string
	Rootfs                string
	Exec                  string
	SecurityLabelType     string
	SecurityLabelFileType string
	SecurityLabelLevel    string
	SecurityLabelNested   *bool
	ReadOnly              *bool
	ReadOnlyTmpfs         *bool
	Network               string
	AddCapability         []string
	DropCapability        []string
	SeccompProfile        string
	PidsLimit             string
	Sysctl                []string
	Timezone              string
	Annotation            []string
	Volume                []string
	// AddDevice values as written; a leading '-' makes the device optional
	// (quadlet drops it when the host lacks it).
	AddDevice []string

	// [Service]
	Environment    []string
	OOMScoreAdjust string
	CPUWeight      string
	IOWeight       string
	MemoryMax      string
	MemoryHigh     string
	MemorySwapMax  string
	ManagedOOMSwap string
	TasksMax       string
	LimitNOFILE    string
	Delegate       *bool
	Restart        string
	Slice          string

	// [Install]
	WantedBy []string
}

// Bool returns a pointer to b, for the *bool fields.
func Bool(b bool) *bool { return &b }

// row is one line of the rendering table: a group, a key and the values the
// unit has for it (none: not written).
type row struct {
	group, key string
	values     func(u *Unit) []string
}

func one(f func(u *Unit) string) func(u *Unit) []string {
	return func(u *Unit) []string {
		if v := f(u); v != "" {
			return []string{v}
		}
		return nil
	}
}

func boolean(f func(u *Unit) *bool) func(u *Unit) []string {
	return func(u *Unit) []string {
		if b := f(u); b != nil {
			return []string{strconv.FormatBool(*b)}
		}
		return nil
	}
}

// rows is the order every qm-build quadlet is written in: [Unit], [Container],
// [Service], [Install]; within a group, as listed. It is built on first use,
// not at every start of qm-build.
var rows = sync.OnceValue(func() []row {
	return []row{
		{GroupUnit, KeyDescription, one(func(u *Unit) string { return u.Description })},
		{GroupUnit, KeyRequiresMountsFor, func(u *Unit) []string { return u.RequiresMountsFor }},

		{GroupContainer, KeyContainerName, one(func(u *Unit) string { return u.ContainerName })},
		{GroupContainer, KeyImage, one(func(u *Unit) string { return u.Image })},
		{GroupContainer, KeyRootfs, one(func(u *Unit) string { return u.Rootfs })},
		{GroupContainer, KeyExec, one(func(u *Unit) string { return u.Exec })},
		{GroupContainer, KeySecurityLabelType, one(func(u *Unit) string { return u.SecurityLabelType })},
		{GroupContainer, KeySecurityLabelFileType, one(func(u *Unit) string { return u.SecurityLabelFileType })},
		{GroupContainer, KeySecurityLabelLevel, one(func(u *Unit) string { return u.SecurityLabelLevel })},
		{GroupContainer, KeySecurityLabelNested, boolean(func(u *Unit) *bool { return u.SecurityLabelNested })},
		{GroupContainer, KeyReadOnly, boolean(func(u *Unit) *bool { return u.ReadOnly })},
		{GroupContainer, KeyReadOnlyTmpfs, boolean(func(u *Unit) *bool { return u.ReadOnlyTmpfs })},
		{GroupContainer, KeyNetwork, one(func(u *Unit) string { return u.Network })},
		{GroupContainer, KeyAddCapability, func(u *Unit) []string { return u.AddCapability }},
		{GroupContainer, KeyDropCapability, func(u *Unit) []string { return u.DropCapability }},
		{GroupContainer, KeySeccompProfile, one(func(u *Unit) string { return u.SeccompProfile })},
		{GroupContainer, KeyPidsLimit, one(func(u *Unit) string { return u.PidsLimit })},
		{GroupContainer, KeySysctl, func(u *Unit) []string { return u.Sysctl }},
		{GroupContainer, KeyTimezone, one(func(u *Unit) string { return u.Timezone })},
		{GroupContainer, KeyAnnotation, func(u *Unit) []string { return u.Annotation }},
		{GroupContainer, KeyVolume, func(u *Unit) []string { return u.Volume }},
		{GroupContainer, KeyAddDevice, func(u *Unit) []string { return u.AddDevice }},

		{GroupService, KeyEnvironment, func(u *Unit) []string { return u.Environment }},
		{GroupService, KeyOOMScoreAdjust, one(func(u *Unit) string { return u.OOMScoreAdjust })},
		{GroupService, KeyCPUWeight, one(func(u *Unit) string { return u.CPUWeight })},
		{GroupService, KeyIOWeight, one(func(u *Unit) string { return u.IOWeight })},
		{GroupService, KeyMemoryMax, one(func(u *Unit) string { return u.MemoryMax })},
		{GroupService, KeyMemoryHigh, one(func(u *Unit) string { return u.MemoryHigh })},
		{GroupService, KeyMemorySwapMax, one(func(u *Unit) string { return u.MemorySwapMax })},
		{GroupService, KeyManagedOOMSwap, one(func(u *Unit) string { return u.ManagedOOMSwap })},
		{GroupService, KeyTasksMax, one(func(u *Unit) string { return u.TasksMax })},
		{GroupService, KeyLimitNOFILE, one(func(u *Unit) string { return u.LimitNOFILE })},
		{GroupService, KeyDelegate, boolean(func(u *Unit) *bool { return u.Delegate })},
		{GroupService, KeyRestart, one(func(u *Unit) string { return u.Restart })},
		{GroupService, KeySlice, one(func(u *Unit) string { return u.Slice })},

		{GroupInstall, KeyWantedBy, func(u *Unit) []string { return u.WantedBy }},
	}
})

// File renders the unit as a unit file named name.
func (u *Unit) File(name string) *unitfile.File {
	f := unitfile.New(name)
	for _, c := range u.Comment {
		f.AddComment("", c)
	}
	for _, r := range rows() {
		for _, v := range r.values(u) {
			f.Add(r.group, r.key, v)
		}
	}
	return f
}

// Bytes renders the unit as file content.
func (u *Unit) Bytes() []byte { return u.File("").Bytes() }

// Empty reports whether the unit sets nothing (a drop-in not worth writing).
func (u *Unit) Empty() bool {
	for _, r := range rows() {
		if len(r.values(u)) > 0 {
			return false
		}
	}
	return true
}
