// Package rpmtest holds fixtures and rpm(8) helpers shared by the tests of the
// RPM writer (rpmspec/rpm), the spec renderer (rpmspec) and the commands built
// on them (cmd/qm-build). It is imported by tests only.
//
// Compose and All give the packages `qm-build rpm` writes, whatever the model
// currently holds (with the SELinux module compiled once per test binary), so
// that tests compare artifacts with the model generically. EdgePackages is a
// hand-made set that uses every feature of the model the emitters must carry.
package rpmtest
