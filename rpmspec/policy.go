package rpmspec

import "strings"

// DropinPathPrefixes are the only places a drop-in may put files: QM's quadlet
// drop-in directory on the host, QM's /etc (host /etc/qm), QM's rootfs, and QM's
// shared data. Anything else on the host is out of a drop-in's reach, in the
// spirit of images' pathpolicy tables.
var DropinPathPrefixes = []string{
	QuadletDropinDir + "/",
	QMEtc + "/",
	QMRootfs + "/",
	QMShare + "/",
}

// AllowedDropinPath reports whether a drop-in may own p.
func AllowedDropinPath(p string) bool {
	for _, pre := range DropinPathPrefixes {
		if strings.HasPrefix(p, pre) && len(p) > len(pre) {
			return true
		}
	}
	return false
}
