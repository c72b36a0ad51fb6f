// Package composed gives tests the packages `qm-build rpm` writes, whatever
// the model currently holds: rootfs.Compose over the built-in catalog (and
// the test user drop-ins), with the qm SELinux module compiled once per test
// binary, so that tests compare artifacts with the model generically. It is
// imported by tests only.
//
// It sits at the rootfs layer (it imports rootfs and selinux, nothing above):
// the tests of the RPM writer and the spec renderer (rpmspec, rpmspec/rpm)
// import it to run on the real packages, the one exception to the layering
// that the layering test (test/layering) lists, for test binaries only.
package composed
