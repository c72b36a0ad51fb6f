package check

import (
	"strings"

	rpmutils "github.com/sassoftware/go-rpmutils"
)

// QM805: every drop-in requires the qm that is there.
var ruleQM805 = Rule{
	ID: "QM805", Severity: Error, Group: GroupPackages, Scope: ScopePackages,
	Title: "every qm-<drop-in> package has Requires: qm, and the qm present satisfies it",
	Rationale: "A drop-in's quadlet and containers.conf drop-ins are written for one qm; installed next to another they may " +
		"change QM's container unreviewed ('devices' FFI test).",
	FFI: []string{"devices"},
	Check: func(c *Context) []Finding {
		var qm *rpmInfo
		for _, r := range c.rpms {
			if r.NEVRA.Name == "qm" {
				qm = r
				break
			}
		}
		var out []Finding
		for _, r := range c.rpms {
			if !r.isDropin() {
				continue
			}
			var reqs []requirement
			for _, q := range r.Requires {
				if q.Name == "qm" {
					reqs = append(reqs, q)
				}
			}
			if len(reqs) == 0 {
				out = append(out, at(r.File, 0, "%s has no Requires: qm", r.NEVRA.Name))
				continue
			}
			if qm == nil {
				continue // QM804 reports the missing qm
			}
			for _, q := range reqs {
				if !satisfies(qm, q) {
					out = append(out, at(r.File, 0, "%s requires qm %s %s, but qm is %s", r.NEVRA.Name, senseOp(q.Flags), q.Version, qm.evr()))
				}
			}
		}
		return out
	},
}

// satisfies reports whether the qm package satisfies a requirement (rpm's
// rpmdsCompare on EVR).
func satisfies(qm *rpmInfo, q requirement) bool {
	if q.Version == "" || q.Flags&(rpmutils.RPMSENSE_LESS|rpmutils.RPMSENSE_GREATER|rpmutils.RPMSENSE_EQUAL) == 0 {
		return true
	}
	have := rpmutils.NEVRA{Epoch: qm.NEVRA.Epoch, Version: qm.NEVRA.Version, Release: qm.NEVRA.Release}
	want := parseEVR(q.Version)
	if want.Release == "" {
		have.Release = ""
	}
	if want.Epoch == "" {
		want.Epoch = "0"
	}
	if have.Epoch == "" {
		have.Epoch = "0"
	}
	cmp := rpmutils.NEVRAcmp(have, want)
	switch {
	case cmp < 0:
		return q.Flags&rpmutils.RPMSENSE_LESS != 0
	case cmp > 0:
		return q.Flags&rpmutils.RPMSENSE_GREATER != 0
	}
	return q.Flags&rpmutils.RPMSENSE_EQUAL != 0
}

func parseEVR(s string) rpmutils.NEVRA {
	var n rpmutils.NEVRA
	if e, rest, ok := strings.Cut(s, ":"); ok {
		n.Epoch, s = e, rest
	}
	n.Version, n.Release, _ = strings.Cut(s, "-")
	return n
}

func senseOp(flags int) string {
	op := ""
	if flags&rpmutils.RPMSENSE_LESS != 0 {
		op += "<"
	}
	if flags&rpmutils.RPMSENSE_GREATER != 0 {
		op += ">"
	}
	if flags&rpmutils.RPMSENSE_EQUAL != 0 {
		op += "="
	}
	return op
}
