//go:build !qmbuild_testhooks

package osbuildstage

// testHooks: RunDirEnv is ignored, as in every program `make build` makes.
const testHooks = false
