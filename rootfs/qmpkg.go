package rootfs

import (
	"github.com/qm-build/qm-build/rpmspec"
)

// The qm package's paths are rpmspec's (rpmspec.QMRootfs and the others).

const qmPackageSummary = "Containerized environment for Quality Management software"

const qmPackageDescription = `QM runs Quality Management (QM) software in a partition of its own: a second
systemd and podman started from /usr/lib/qm/rootfs by the podman quadlet
qm.container, confined by the SELinux domain qm_t, with memory, CPU and OOM
settings that keep it from interfering with the safety-relevant (ASIL)
software of the host. This package was written by qm-build at image build time.`

// qmPackage is the main qm package. Its payload comes from the emitters that
// own each concept: the quadlet and nested configuration (quadletPackageFiles),
// the SELinux module and contexts (selinuxPackageFiles).
func qmPackage(p *Plan, f Facts) (*rpmspec.Package, error) {
	pkg := newPackage(p, "qm", qmPackageSummary, qmPackageDescription)
	pkg.Requires.Add(rpmspec.Relation{Name: "podman", Op: ">=", Version: "4.5"})
	pkg.Requires.Add(rpmspec.Relation{Name: "containers-common"})
	const origin = "rootfs/qmpkg.go"
	pkg.Files = append(pkg.Files,
		dir(rpmspec.QuadletDropinDir, 0o755, origin),
		dir(rpmspec.QMShare, 0o755, origin),
		dir(DropinDeclarationDir, 0o755, origin),
		ghostDir("/usr/lib/qm", 0o755, origin),
		ghostDir(rpmspec.QMRootfs, 0o555, origin),
	)
	qf, err := quadletPackageFiles(p, f)
	if err != nil {
		return nil, err
	}
	pkg.Files = append(pkg.Files, qf...)
	sf, scripts, reqs, err := selinuxPackageFiles(p, f)
	if err != nil {
		return nil, err
	}
	pkg.Files = append(pkg.Files, sf...)
	pkg.Scripts = scripts
	for _, r := range reqs {
		pkg.Requires.Add(r)
	}
	return pkg, nil
}

func ghostDir(path string, mode uint, origin string) rpmspec.File {
	f := dir(path, mode, origin)
	f.Flags = rpmspec.FlagGhost
	return f
}
