package rootfs

import (
	"github.com/qm-build/qm-build/rootfs/quadlet"
	"github.com/qm-build/qm-build/rootfs/seccomp"
	"github.com/qm-build/qm-build/rpmspec"
)

// quadletPackageFiles are the qm package's files from the quadlet and nested
// configuration emitters: the quadlet (qm.container), the template of the
// nested containers.conf, and QM's seccomp profile. They depend on the plan
// only, never on the target tree, so that the same plan always gives the same
// package: what a tree changes (the timezone, the seccomp base) the tree
// stages write on top (treeFiles).
func quadletPackageFiles(p *Plan, f Facts) ([]rpmspec.File, error) {
	const origin = "rootfs/quadletfiles.go"
	profile, err := seccomp.Profile(nil)
	if err != nil {
		return nil, err
	}
	sec := configFile(seccomp.Path, profile, origin)
	return []rpmspec.File{
		ghostDir("/usr/share/containers/systemd", 0o755, origin),
		file(rpmspec.QuadletPath, 0o644, quadlet.QM("").Bytes(), origin),
		file(SharedContainersConf, 0o644, NestedContainersConfBody(), origin),
		sec,
	}, nil
}
