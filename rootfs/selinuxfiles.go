package rootfs

import "github.com/qm-build/qm-build/rpmspec"

// selinuxPackageFiles are the qm package's SELinux files (the policy module,
// its interface, the nested contexts), the scriptlets that load and unload the
// module, and the requirements those scriptlets have.
//
// INTEGRATION SEAM: filled in by the SELinux issue (selinux/).
func selinuxPackageFiles(p *Plan) ([]rpmspec.File, rpmspec.Scriptlets, []rpmspec.Relation, error) {
	return nil, rpmspec.Scriptlets{}, nil, nil
}
