package check

import (
	"strings"

	"github.com/qm-build/qm-build/rootfs"
)

// DefaultCPUWeightLimit is the highest CPUWeight= QM may have when nothing is
// configured: systemd's default weight (systemd.resource-control(5)), so that
// QM never outweighs a host service. Upstream QM uses "idle".
const DefaultCPUWeightLimit = 100

// Policy is what an image is allowed or expected to have beyond QM's defaults:
// it comes from the build plan (PolicyFromPlan) or from an allow file
// (ParseAllow). The zero value allows nothing extra.
type Policy struct {
	// ASILUnits are the host units that run safety-relevant (ASIL) software:
	// each must have a negative OOMScoreAdjust, lower than every other unit's.
	ASILUnits []string
	// WritableQM allows ReadOnly=false (a writable QM root).
	WritableQM bool
	// TCPControllers are the BlueChi controller addresses (HOST or HOST:PORT)
	// QM's agent may reach over TCP, besides loopback.
	TCPControllers []string
	// Devices are extra host devices QM may be given (AddDevice=).
	Devices []string
	// Setuid are setuid/setgid files allowed in QM's trees, as host paths or as
	// paths inside QM.
	Setuid []string
	// Volumes are extra host paths QM may mount (Volume=, Mount=).
	Volumes []string
	// Symlinks are symlinks in /etc/qm or /var/qm allowed to point at host paths.
	Symlinks []string
	// MemoryMax and MemoryHigh are QM's configured limits; "" means not
	// configured (not checked).
	MemoryMax  string
	MemoryHigh string
	// CPUWeight is the highest CPUWeight= QM may have ("" means
	// DefaultCPUWeightLimit).
	CPUWeight string
	// Hooks are OCI hook file names (hooks.d/NAME.json) allowed to run for
	// QM although they are not QM's device hooks.
	Hooks []string
	// Statements are the allow file's statements with their reasons (empty
	// for a policy made from a build plan).
	Statements []AllowStatement
}

// PolicyFromPlan is what a build plan asked for: the expectations for the tree
// that build wrote.
func PolicyFromPlan(p *rootfs.Plan) Policy {
	pol := Policy{
		WritableQM: p.Writable,
		Devices:    append([]string(nil), p.Devices...),
		MemoryMax:  p.MemoryMax,
		MemoryHigh: p.MemoryHigh,
		CPUWeight:  p.CPUWeight,
	}
	for _, v := range p.Volumes {
		host, _, _ := strings.Cut(v, ":")
		pol.Volumes = append(pol.Volumes, host)
	}
	if p.Controller.Host != "" {
		pol.TCPControllers = append(pol.TCPControllers, p.Controller.Host)
	}
	return pol
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
