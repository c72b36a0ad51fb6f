package rootfs

import (
	"strings"
	"time"

	"github.com/qm-build/qm-build/rpmspec"
)

// Options are every knob a user of qm-build can turn, whatever the front end:
// CLI flags, the org.osbuild.qm stage's options, or a manifest request.
// The zero value means "upstream QM's defaults".
type Options struct {
	Version string // QM version; default rpmspec.DefaultVersion
	Release string // package release; default rpmspec.DefaultRelease
	Arch    string // target architecture: x86_64 or aarch64; default x86_64
	Distro  string // target distribution: cs9, cs10, autosd9, autosd10, fedora-42; default cs10

	// Dropins are the names given to --dropin (comma lists and "all" allowed).
	Dropins []string
	// Images override nested container images by key (see `qm-build dropins`).
	Images map[string]string
	// AllowShortNames accepts image references without a registry, tag or
	// digest in --image and in nested quadlets (rpmspec.CheckImageRef).
	AllowShortNames bool

	// Epoch is SOURCE_DATE_EPOCH: the build time of packages and the
	// modification time of files. Zero means unset.
	Epoch time.Time

	// The QM container (each lands in a quadlet drop-in, never an edit of the
	// packaged qm.container).
	MemoryMax    string   // MemoryMax= (systemd size, percentage or "infinity")
	MemoryHigh   string   // MemoryHigh=
	CPUWeight    string   // CPUWeight= ("idle" or 1..10000)
	Writable     bool     // ReadOnly=false
	Network      string   // Network= (default private)
	VarPartition bool     // /var/qm is a partition of its own
	Timezone     string   // Timezone=; "" resolves from the target tree, else UTC
	Volumes      []string // extra Volume= lines (host:container[:options])
	Devices      []string // extra AddDevice= lines

	// QM's BlueChi agent.
	Hostname         string // NodeName=qm.<Hostname>; "" takes the host agent's NodeName from the tree
	ControllerHost   string // TCP controller host
	ControllerPort   int    // TCP controller port
	ControllerSocket bool   // reach the controller over the host's UDS instead of TCP
}

// Plan is Options with the drop-ins resolved against a catalog.
type Plan struct {
	Options
	Catalog *rpmspec.Catalog
	// Dropins are the selected drop-ins plus those they need, sorted by name.
	Dropins []*rpmspec.Dropin
	// archGiven is set when the options named the architecture, so that a
	// program built for another one is refused.
	archGiven bool
}

// NewPlan applies defaults, validates the options and resolves the drop-ins.
// User drop-in directories must already be added to cat (Catalog.AddDir);
// their drop-ins are selected by adding their names to o.Dropins. It returns
// every problem at once, each naming its flag.
func NewPlan(o Options, cat *rpmspec.Catalog) (*Plan, error) {
	if o.Version == "" {
		o.Version = rpmspec.DefaultVersion
	}
	if o.Release == "" {
		o.Release = rpmspec.DefaultRelease
	}
	archGiven := o.Arch != ""
	if o.Arch == "" {
		o.Arch = "x86_64"
	}
	if o.Distro == "" {
		o.Distro = "cs10"
	}
	var errs rpmspec.Errors
	if err := rpmspec.ValidateVersion("--qm-version", o.Version); err != nil {
		errs = append(errs, err.(*rpmspec.InputError))
	}
	if err := rpmspec.ValidateVersion("--release", o.Release); err != nil {
		errs = append(errs, err.(*rpmspec.InputError))
	}
	errs = append(errs, validateOptions(&o)...)
	errs = append(errs, validateImages(o, cat)...)
	ds, err := cat.Select(o.Dropins)
	if err != nil {
		errs = append(errs, rpmspec.AsErrors(err)...)
	}
	errs = append(errs, validateAnnotations(ds)...)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return &Plan{Options: o, Catalog: cat, Dropins: ds, archGiven: archGiven}, nil
}

// Named reports whether the options name the drop-in itself, not only
// through "all" or the needs of another.
func (p *Plan) Named(name string) bool {
	for _, arg := range p.Options.Dropins {
		for _, n := range strings.Split(arg, ",") {
			if strings.TrimSpace(n) == name {
				return true
			}
		}
	}
	return false
}

// DropinNames lists the plan's drop-ins by short name.
func (p *Plan) DropinNames() []string {
	out := make([]string, len(p.Dropins))
	for i, d := range p.Dropins {
		out[i] = d.Name
	}
	return out
}
