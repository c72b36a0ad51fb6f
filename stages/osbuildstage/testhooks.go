//go:build qmbuild_testhooks

package osbuildstage

// testHooks: RunDirEnv is honoured (build tag qmbuild_testhooks, tests only).
const testHooks = true
