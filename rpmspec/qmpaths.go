package rpmspec

// QM's places on a host image, declared once: the qm package owns them, the
// quadlet maps them into QM's own root (Rootfs= makes QMRootfs "/", and
// Volume= lines make QMEtc /etc and QMVar /var inside QM), the SELinux file
// contexts label them, manifests create them, and the checker inspects them.
// They are here, in the lowest layer, so that every layer names them from
// one place.
const (
	// QMRootfs is QM's root filesystem.
	QMRootfs = "/usr/lib/qm/rootfs"
	// QMEtc is QM's writable /etc.
	QMEtc = "/etc/qm"
	// QMVar is QM's writable /var.
	QMVar = "/var/qm"
	// QMShare holds the qm package's shared data.
	QMShare = "/usr/share/qm"
	// QuadletPath is where the qm package installs QM's quadlet.
	QuadletPath = "/usr/share/containers/systemd/qm.container"
	// QuadletDropinDir is where qm-build and drop-in packages put QM's
	// quadlet drop-ins (quadlet reads /etc before /usr/share).
	QuadletDropinDir = "/etc/containers/systemd/qm.container.d"
)
