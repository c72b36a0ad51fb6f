// Package rootfs is everything QM puts on an image, composed from one plan:
// the payload of the qm and qm-<dropin> packages, and the files the build
// stages write (the /usr/lib/qm/rootfs skeleton, /etc/qm, /var/qm, the quadlet
// drop-ins, the BlueChi agent configuration, the seccomp profile).
//
// Compose is pure: it turns a Plan and the Facts read from a target tree into
// Content, as data. The RPM writer, the .spec renderer, the tree stages, the
// blueprint and manifest emitters and the checker all read that Content. Tree
// is the only writer, and it writes through os.Root.
package rootfs
