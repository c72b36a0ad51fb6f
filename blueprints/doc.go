// Package blueprints is how qm-build plugs into osbuild image builds: osbuild
// manifests with QM pipelines, blueprint fragments that add QM, and the merge
// of fragments into a user's blueprint. It is the only package of qm-build
// that imports github.com/osbuild/images and github.com/osbuild/blueprint
// (about 360 modules), so that no other test binary pays for them.
//
// Manifests follow the design of CentOS Automotive's image builder (AIB): a
// qm_rootfs pipeline, ordered before os, installs QM's own package set with
// org.osbuild.rpm and receives the build-time content of rootfs.Compose from
// inline sources; the os pipeline installs qm and the qm-<dropin> packages,
// creates /usr/lib/qm/rootfs, /etc/qm, /var/qm and /var/qm/tmp, and copies the
// qm_rootfs tree into them with one org.osbuild.copy, all before the final
// org.osbuild.selinux so that the qm policy's qm_file_t labels apply.
//
// Like images' pkg/manifest, a Manifest works in two phases: Requests says
// which packages each pipeline needs, the caller resolves them (a Lock file,
// or DepsolveDNF against real repositories), and Serialize writes the
// manifest. Building and serializing do no I/O.
//
// Blueprints may only carry packages, services and files or directories
// under /etc: QM's rootfs (/usr/lib/qm/rootfs) comes from the manifest or the
// RPMs, because blueprint customization policies deny /usr and no blueprint
// can run a second package installation into an install root.
package blueprints
