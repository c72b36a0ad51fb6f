// Package rpmtest holds fixtures and rpm(8) helpers shared by the tests of the
// RPM writer (rpmspec/rpm), the spec renderer (rpmspec) and the commands built
// on them (cmd/qm-build). It is imported by tests only.
//
// EdgePackages is a hand-made set that uses every feature of the model the
// emitters must carry. The packages `qm-build rpm` writes (composed by rootfs,
// a layer above) come from test/composed; this package imports nothing above
// rpmspec.
package rpmtest
