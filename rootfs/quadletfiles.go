package rootfs

import "github.com/qm-build/qm-build/rpmspec"

// quadletPackageFiles are the qm package's files from the quadlet and nested
// configuration emitters: qm.container, /usr/share/qm/containers.conf, …
//
// INTEGRATION SEAM: filled in by the stages issue (stages/quadlet).
func quadletPackageFiles(p *Plan, f Facts) ([]rpmspec.File, error) {
	return nil, nil
}
