// Package cli is what qm-build's commands share: the exit statuses and the
// error that maps to 2 (bad input), flag sets with qm-build's --help layout,
// the plan flags that fill rootfs.Options, SOURCE_DATE_EPOCH and the cache
// directory from the environment, and finding a companion binary (beside the
// running executable, then on PATH), as git and kubectl find their plugins.
//
// Four programs use it: qm-build, qm-build-manifest (the only one that links
// osbuild/images), qm-build-publish (the only one that links the registry
// client) and org.osbuild.qm (the osbuild stage).
package cli
