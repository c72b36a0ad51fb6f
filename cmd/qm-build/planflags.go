package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
)

// planFlags are the flags that describe what to build. Commands register the
// groups they need and call plan() to get a validated rootfs.Plan.
type planFlags struct {
	o          rootfs.Options
	dropinDirs []string
	images     map[string]string
	hookBinary string
	// versioned is set when packageFlags registered --qm-version/--release.
	versioned bool
}

// packageFlags: what the packages are (rpm, spec, and everything that builds them).
func (p *planFlags) packageFlags(fs *pflag.FlagSet) {
	p.versioned = true
	fs.StringVar(&p.o.Version, "qm-version", rpmspec.DefaultVersion, "QM version of the packages")
	fs.StringVar(&p.o.Release, "release", rpmspec.DefaultRelease, "package release")
	fs.StringArrayVar(&p.o.Dropins, "dropin", nil, "drop-in(s) to include: a name, a comma-separated list, or all (repeatable; see qm-build dropins)")
	fs.StringArrayVar(&p.dropinDirs, "dropin-dir", nil, "directory of user drop-in *.yaml files; all of them are included (repeatable)")
	fs.StringToStringVar(&p.images, "image", nil, "override a nested container image: KEY=REFERENCE, fully qualified (registry/repository:tag or @digest; repeatable; keys in qm-build dropins)")
	fs.BoolVar(&p.o.AllowShortNames, "allow-short-names", false, "accept image references without a registry, tag or digest in --image and nested quadlets")
	fs.StringVar(&p.hookBinary, "hook-binary", "", "QM's OCI hook program for the qm-oci-hooks package, built for the target (make hook writes bin/qm-oci-hook)")
}

// hookProgram reads --hook-binary; nil when it is not given.
func (p *planFlags) hookProgram() ([]byte, error) {
	if p.hookBinary == "" {
		return nil, nil
	}
	data, err := readInput(p.hookBinary, maxHookProgram)
	if err != nil {
		return nil, usageErrorf("--hook-binary: %v", err)
	}
	return data, nil
}

// maxHookProgram bounds --hook-binary: the program is a few megabytes.
const maxHookProgram = 64 << 20

// targetFlags: what the image is.
func (p *planFlags) targetFlags(fs *pflag.FlagSet) {
	fs.StringVar(&p.o.Arch, "arch", "x86_64", "target architecture: x86_64 or aarch64")
	fs.StringVar(&p.o.Distro, "distro", "cs10", "target distribution: cs9, cs10, autosd9, autosd10, fedora-42")
}

// containerFlags: the QM container's options, each landing as a quadlet drop-in.
func (p *planFlags) containerFlags(fs *pflag.FlagSet) {
	fs.StringVar(&p.o.MemoryMax, "memory-max", "", "QM's MemoryMax= (e.g. 2G, 80%, infinity)")
	fs.StringVar(&p.o.MemoryHigh, "memory-high", "", "QM's MemoryHigh= (e.g. 1536M, 70%, infinity)")
	fs.StringVar(&p.o.CPUWeight, "cpu-weight", "", "QM's CPUWeight=: idle or 1..10000 (default idle)")
	fs.BoolVar(&p.o.Writable, "writable", false, "make QM's rootfs writable (ReadOnly=false)")
	fs.StringVar(&p.o.Network, "network", "", "QM's Network= mode (default private)")
	fs.BoolVar(&p.o.VarPartition, "var-partition", false, "/var/qm is a partition of its own: QM waits for its mount")
	fs.StringVar(&p.o.Timezone, "timezone", "", "QM's Timezone= (a zone such as Europe/Berlin, or UTC); default: the tree's /etc/localtime, else UTC")
	fs.StringArrayVar(&p.o.Volumes, "volume", nil, "extra Volume= for QM: HOST:CONTAINER[:OPTIONS] (repeatable)")
	fs.StringArrayVar(&p.o.Devices, "device", nil, "extra device for QM, added as optional AddDevice=- (repeatable)")
}

// bluechiFlags: QM's BlueChi agent.
func (p *planFlags) bluechiFlags(fs *pflag.FlagSet) {
	fs.StringVar(&p.o.Hostname, "hostname", "", "QM's BlueChi NodeName is qm.HOSTNAME; default: the host agent's NodeName in the tree")
	fs.StringVar(&p.o.ControllerHost, "controller-host", "", "BlueChi controller host (TCP)")
	fs.IntVar(&p.o.ControllerPort, "controller-port", 0, "BlueChi controller port (TCP; default 842)")
	fs.BoolVar(&p.o.ControllerSocket, "controller-socket", false, "reach the BlueChi controller over the host's unix socket instead of TCP")
}

// allFlags registers every group.
func (p *planFlags) allFlags(fs *pflag.FlagSet) {
	p.packageFlags(fs)
	p.targetFlags(fs)
	p.containerFlags(fs)
	p.bluechiFlags(fs)
}

// plan loads the catalog and the user drop-in directories, reads
// SOURCE_DATE_EPOCH, and validates everything into a plan.
func (p *planFlags) plan(e *env) (*rootfs.Plan, error) {
	cat, err := rpmspec.Builtin()
	if err != nil {
		return nil, err
	}
	o := p.o
	o.Images = p.images
	if p.versioned {
		// The flags default to non-empty values, so an empty one was given
		// explicitly; rootfs.NewPlan would take "" as "the default".
		for _, f := range []struct{ flag, v string }{{"--qm-version", o.Version}, {"--release", o.Release}} {
			if f.v == "" {
				return nil, rpmspec.ValidateVersion(f.flag, "")
			}
		}
	}
	for _, d := range p.dropinDirs {
		fi, err := os.Stat(d)
		if err != nil || !fi.IsDir() {
			return nil, usageErrorf("--dropin-dir %s: not a directory", d)
		}
		names, err := cat.AddDir(os.DirFS(d), strings.TrimSuffix(d, "/"))
		if err != nil {
			return nil, err
		}
		o.Dropins = append(o.Dropins, names...)
	}
	if o.Epoch, err = e.sourceDateEpoch(); err != nil {
		return nil, err
	}
	return rootfs.NewPlan(o, cat)
}

// readInput reads a regular file of at most limit bytes: a FIFO, a device or
// a directory is refused rather than read (it could block or never end).
func readInput(name string, limit int64) ([]byte, error) {
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", name)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d MiB", name, limit>>20)
	}
	return data, nil
}
