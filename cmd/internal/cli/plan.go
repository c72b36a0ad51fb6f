package cli

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/rpmspec/input"
)

// PlanFlags are the flags that describe what to build. Commands register the
// groups they need and call Plan to get a validated rootfs.Plan.
type PlanFlags struct {
	// O is what the flags fill.
	O rootfs.Options
	// DropinDirs are the --dropin-dir directories.
	DropinDirs []string
	// HookBinary is --hook-binary: the OCI hook program the qm-oci-hooks
	// package ships (HookProgram reads it). It is not an option of
	// rootfs.Options but a file of the machine that runs qm-build: the
	// org.osbuild.qm stage has no such option and leaves qm-oci-hooks to
	// the image's repositories.
	HookBinary string
	images     map[string]string
	// versioned is set when PackageFlags registered --pkg-version/--pkg-release.
	versioned bool
}

// PackageFlags: what the packages are (rpm, spec, and everything that builds
// them).
func (p *PlanFlags) PackageFlags(fs *pflag.FlagSet) {
	p.versioned = true
	fs.StringVar(&p.O.Version, "pkg-version", rpmspec.DefaultVersion, "version of the packages (QM's version)")
	fs.StringVar(&p.O.Release, "pkg-release", rpmspec.DefaultRelease, "release of the packages")
	fs.StringArrayVar(&p.O.Dropins, "dropin", nil, "drop-in(s) to include: a name, a comma-separated list, or all (repeatable; see qm-build dropins)")
	fs.StringArrayVar(&p.DropinDirs, "dropin-dir", nil, "directory of user drop-in *.yaml files; all of them are included (repeatable)")
	fs.StringToStringVar(&p.images, "image", nil, "override a nested container image: KEY=REFERENCE, fully qualified (registry/repository:tag or @digest; repeatable; keys in qm-build dropins)")
	fs.StringToStringVar(&p.O.NestedImages, "nested-image", nil, "bake a nested image into QM's image store and pin its key's image by digest: KEY=oci:DIR[:TAG], KEY=oci-archive:FILE[:TAG] or KEY=docker-archive:FILE (repeatable)")
	fs.BoolVar(&p.O.AllowShortNames, "allow-short-names", false, "accept image references without a registry, tag or digest in --image and nested quadlets")
	fs.StringVar(&p.HookBinary, "hook-binary", "", "QM's OCI hook program for the qm-oci-hooks package, built for the target (make hook writes bin/qm-oci-hook)")
	Alias(fs, "qm-version", "pkg-version")
	Alias(fs, "release", "pkg-release")
}

// HookProgram reads --hook-binary; nil when it is not given.
func (p *PlanFlags) HookProgram() ([]byte, error) {
	if p.HookBinary == "" {
		return nil, nil
	}
	data, err := readInput(p.HookBinary, maxHookProgram)
	if err != nil {
		return nil, UsageErrorf("--hook-binary: %v", err)
	}
	return data, nil
}

// maxHookProgram bounds --hook-binary: the program is a few megabytes.
const maxHookProgram = 64 << 20

// readInput reads a regular file of at most limit bytes: a FIFO, a device or
// a directory is refused rather than read (it could block or never end).
func readInput(name string, limit int64) ([]byte, error) {
	return input.ReadFile(name, limit)
}

// TargetFlags: what the image is.
func (p *PlanFlags) TargetFlags(fs *pflag.FlagSet) {
	fs.StringVar(&p.O.Arch, "arch", rootfs.DefaultArch, "target architecture: "+strings.Join(rootfs.Arches, " or "))
	fs.StringVar(&p.O.Distro, "distro", rootfs.DefaultDistro, "target distribution: "+rootfs.DistroNames()+"; image-builder's names in parentheses are aliases")
}

// ContainerFlags: the QM container's options, each landing as a quadlet
// drop-in.
func (p *PlanFlags) ContainerFlags(fs *pflag.FlagSet) {
	fs.StringVar(&p.O.MemoryMax, "memory-max", "", "QM's MemoryMax= (e.g. 2G, 80%, infinity)")
	fs.StringVar(&p.O.MemoryHigh, "memory-high", "", "QM's MemoryHigh= (e.g. 1536M, 70%, infinity)")
	fs.StringVar(&p.O.CPUWeight, "cpu-weight", "", "QM's CPUWeight=: idle or 1..10000 (default idle)")
	fs.BoolVar(&p.O.Writable, "writable", false, "make QM's rootfs writable (ReadOnly=false)")
	fs.StringVar(&p.O.Network, "network", "", "QM's Network= mode (default private)")
	fs.BoolVar(&p.O.VarPartition, "var-partition", false, "/var/qm is a partition of its own: QM waits for its mount")
	fs.StringVar(&p.O.Timezone, "timezone", "", "QM's Timezone= (a zone such as Europe/Berlin, or UTC); default: the tree's /etc/localtime, else UTC")
	fs.StringArrayVar(&p.O.Volumes, "volume", nil, "extra Volume= for QM: HOST:CONTAINER[:OPTIONS] (repeatable)")
	fs.StringArrayVar(&p.O.Devices, "device", nil, "extra device for QM, added as optional AddDevice=- (repeatable)")
}

// BluechiFlags: QM's BlueChi agent.
func (p *PlanFlags) BluechiFlags(fs *pflag.FlagSet) {
	fs.StringVar(&p.O.Hostname, "hostname", "", "QM's BlueChi NodeName is qm.HOSTNAME; default: the host agent's NodeName in the tree")
	fs.StringVar(&p.O.Controller.Host, "controller-host", "", "BlueChi controller host (TCP)")
	fs.Var((*portValue)(&p.O.Controller.Port), "controller-port", "BlueChi controller port (TCP, 1-65535; default 842)")
	fs.BoolVar(&p.O.Controller.Socket, "controller-socket", false, "reach the BlueChi controller over the host's unix socket instead of TCP")
}

// AllFlags registers every group.
func (p *PlanFlags) AllFlags(fs *pflag.FlagSet) {
	p.PackageFlags(fs)
	p.TargetFlags(fs)
	p.ContainerFlags(fs)
	p.BluechiFlags(fs)
}

// Plan loads the catalog and the user drop-in directories, reads
// SOURCE_DATE_EPOCH, and validates everything into a plan.
func (p *PlanFlags) Plan(getenv func(string) string) (*rootfs.Plan, error) {
	cat, err := rpmspec.Builtin()
	if err != nil {
		return nil, err
	}
	o := p.O
	o.Images = p.images
	if p.versioned {
		// The flags default to non-empty values, so an empty one was given
		// explicitly; rootfs.NewPlan would take "" as "the default".
		for _, f := range []struct{ flag, v string }{{"--pkg-version", o.Version}, {"--pkg-release", o.Release}} {
			if f.v == "" {
				return nil, rpmspec.ValidateVersion(f.flag, "")
			}
		}
	}
	for _, d := range p.DropinDirs {
		fi, err := os.Stat(d)
		if err != nil || !fi.IsDir() {
			return nil, UsageErrorf("--dropin-dir %s: not a directory", d)
		}
		names, err := cat.AddDir(input.DirFS(d), strings.TrimSuffix(d, "/"))
		if err != nil {
			return nil, err
		}
		o.Dropins = append(o.Dropins, names...)
	}
	if o.Epoch, err = SourceDateEpoch(getenv); err != nil {
		return nil, err
	}
	plan, err := rootfs.NewPlan(o, cat)
	return plan, rootfs.Spell(err, rootfs.FlagSpelling)
}

// ReadInput reads a file named by a flag: a regular file of at most limit
// bytes, opened without blocking (a FIFO, a device or a directory is refused).
func ReadInput(name string, limit int64) ([]byte, error) { return readInput(name, limit) }

// portValue is a TCP port flag: 1 to 65535. Zero, which the options take as
// "the default", is refused when given explicitly.
type portValue int

func (v *portValue) String() string {
	if *v == 0 {
		return ""
	}
	return strconv.Itoa(int(*v))
}

func (v *portValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != s {
		return fmt.Errorf("%q is not a TCP port (1-65535)", s)
	}
	*v = portValue(n)
	return nil
}

func (v *portValue) Type() string { return "port" }
