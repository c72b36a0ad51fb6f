// Package verifiers finds and runs the real third-party tools that qm-build's
// tests use as oracles (rpm, rpmbuild, dnf, createrepo_c, quadlet,
// systemd-analyze, the SELinux toolchain, skopeo, …). test/tools/install-verifiers.sh
// installs them; `make tools` runs it.
//
// A test that needs a missing tool fails. Outside CI, a developer may set
// QM_BUILD_SKIP_MISSING_TOOLS=1 to skip such tests instead; with CI=true that
// setting is ignored and the test fails.
package verifiers
