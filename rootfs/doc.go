// Package rootfs is everything QM puts on an image, composed from one plan:
// the payload of the qm and qm-<dropin> packages, and the files the build
// stages write (the /usr/lib/qm/rootfs skeleton, /etc/qm, /var/qm, the quadlet
// drop-ins, the BlueChi agent configuration, the seccomp profile).
//
// Compose is pure: it turns a Plan and the Facts read from a target tree into
// Content, as data. The RPM writer, the .spec renderer, the tree stages, the
// blueprint and manifest emitters and the checker all read that Content. Tree
// is the only writer, and it writes through os.Root: the stages Add files and
// Commit validates the whole plan against the tree before the first write,
// stages it, renames it into place and removes what an earlier run created
// that the plan no longer has (ManifestPath records it; docs/outputs.md).
//
// Drop-in packages are derived from their declarations (dropinpkg.go): the
// quadlet drop-in with their devices and annotations, the enablement of their
// units inside QM (units.go), and, for the hook package, the OCI hook program
// given as a fact and its hooks.d configurations (hookpkg.go). Compose checks
// what no single declaration can: that QM's container gets no grant twice and
// that every nested quadlet names a fully qualified image (grants.go).
// docs/dropins.md describes them.
//
// The format models Content is made of are its sub-packages, one concept
// each: unitfile (the systemd unit-file model), quadlet (qm.container and its
// drop-ins), bluechi (the agent's configuration), seccomp (QM's profile),
// ocihooks (QM's OCI hooks: the annotation table and the precreate hook), and
// atomic (the one temp-file-and-rename writer). They import nothing above
// rootfs; stages and the checker read them.
package rootfs
