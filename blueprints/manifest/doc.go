// Package manifest writes osbuild manifests with QM pipelines. It is the only
// package of qm-build that imports github.com/osbuild/images (about 360
// modules, containers/image, sigstore and grpc among them); the layering test
// (test/layering) fails on any other importer, test binaries included, and
// only the qm-build-manifest binary links it.
//
// Manifests follow the design of CentOS Automotive's image builder (AIB): a
// qm_rootfs pipeline, ordered before os, installs QM's own package set with
// org.osbuild.rpm and receives the build-time content of rootfs.Compose from
// inline sources; the os pipeline installs qm and the qm-<dropin> packages,
// creates /usr/lib/qm/rootfs, /etc/qm, /var/qm and /var/qm/tmp, and copies the
// qm_rootfs tree into them with one org.osbuild.copy, all before the final
// org.osbuild.selinux so that the qm policy's qm_file_t labels apply. With
// --qm-stage, the org.osbuild.qm stage (blueprints/qmstage) writes QM's
// content instead.
//
// Like images' pkg/manifest, a Manifest works in two phases: Requests says
// which packages each pipeline needs, the caller resolves them (a
// blueprints.Lock file, or DepsolveDNF against real repositories), and
// Serialize writes the manifest. Building and serializing do no I/O.
package manifest
