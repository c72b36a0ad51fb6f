package check

import (
	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/stages/check/target"
)

// Paths of QM on a host image (qm-upstream.md §2–§4).
const (
	qmUsrLib  = "/usr/lib/qm"
	qmRootfs  = rpmspec.QMRootfs
	qmEtc     = rpmspec.QMEtc
	qmVar     = rpmspec.QMVar
	qmShare   = rpmspec.QMShare
	qmService = "qm.service"
	qmUnit    = "qm.container"
)

// Context is what a rule sees: the target, the expectations, and facts read
// from the image on first use and shared by the rules.
type Context struct {
	Target *target.Target
	FS     target.FS
	Policy Policy
	// Arch is the architecture every ELF file must have; "" means the image's
	// majority.
	Arch string
	// RootUID and RootGID stand for root in ownership checks (0 on real
	// images; a tree written without privileges is owned by its writer).
	RootUID, RootGID int
	// Keyring verifies package signatures; nil means signatures are not checked.
	Keyring openpgp.EntityList

	qm      *qmView
	ifs     *imageFS
	nested  *nestedConf
	stores  *qmImageStores
	agent   *agentConf
	decls   *declarations
	walk    *walkFacts
	walkErr error
	rpms    []*rpmInfo

	cat         *rpmspec.Catalog
	catalogRead bool
}

// qmTrees are the host paths that hold QM's content: its rootfs and the
// directories mounted as its /etc and /var.
var qmTrees = []string{qmUsrLib, qmEtc, qmVar}

// inQMTrees reports whether an image path lies in one of QM's trees.
func inQMTrees(p string) bool {
	for _, t := range qmTrees {
		if under(p, t) {
			return true
		}
	}
	return false
}

// under reports whether p is dir or lies below it.
func under(p, dir string) bool {
	return p == dir || (len(p) > len(dir) && p[:len(dir)] == dir && p[len(dir)] == '/')
}

// insideQM maps a host path in QM's trees to the path QM sees, or "" when the
// path is not visible inside QM.
func insideQM(p string) string {
	switch {
	case under(p, qmRootfs):
		if p == qmRootfs {
			return "/"
		}
		return p[len(qmRootfs):]
	case under(p, qmEtc):
		return "/etc" + p[len(qmEtc):]
	case under(p, qmVar):
		return "/var" + p[len(qmVar):]
	}
	return ""
}
