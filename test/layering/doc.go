// Package layering keeps qm-build's imports running one way, in the spirit
// of Go's own go/build/deps_test.go: a table says which layer each package
// belongs to and what it may link, Check applies it to the import graph that
// `go list -deps -test -json ./...` reports, and the test fails on any
// import that runs back up.
//
// The layers, top first (a package may import its own layer and those below;
// sub-packages belong to their top folder's layer):
//
//	cmd > stages > blueprints > rootfs > selinux > rpmspec
//
// and under everything the test helpers test/golden, test/verifiers and
// test/rpmlint. A package that imports "testing" is a test helper; no
// product package may import one. Test files follow the same order, except
// for the few pairs listed in TestExceptions, each with its reason; an
// exception no test still needs is itself an error.
//
// github.com/osbuild/images may be imported only by blueprints/manifest
// (test files included), and github.com/osbuild/blueprint only under
// blueprints/. What links blueprints/manifest is a short list (the
// manifest binary and the manifest tests); nothing else may link the heavy
// modules it brings (containers/image, sigstore, grpc, protobuf, or an
// osbuild/images package beyond the few leaf packages osbuild/blueprint
// itself needs), test binaries included. A program that leaves some work to
// a companion program (Delegated: qm-build leaves the push of
// `publish --oci` to qm-build-publish) must not link what that work needs
// (go-containerregistry, go-digest, net/http, stages/publish/oci); its test
// binary may.
package layering
