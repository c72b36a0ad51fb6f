// Package publish ships qm-build's RPMs without createrepo, rpmsign or oras on
// the CI host. Its sub-packages are split by what they act on:
//
//   - repodata: yum repository metadata (repomd.xml, primary, filelists and
//     other), written the way createrepo_c writes it, reproducibly, with
//     --update semantics;
//   - rpmsign: adds an OpenPGP header signature to an existing RPM by
//     rewriting its signature header;
//   - mirror: the CentOS Automotive SIG mirror layout, per release and arch,
//     published atomically;
//   - oci: an RPM set pushed to a registry as one OCI artifact.
//
// `qm-build repo` and `qm-build publish` (cmd/qm-build) and the repo stage
// (stages/repo.go) are thin callers of these packages.
package publish
