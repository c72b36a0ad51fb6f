// Package osbuildstage is qm-build as a native osbuild stage, org.osbuild.qm.
//
// osbuild looks a stage up by its type name in <libdir>/stages/ and validates
// the stage's options against schema_2.options of the JSON Schema (draft 4) in
// <libdir>/stages/org.osbuild.qm.meta.json. It then runs the stage file inside
// the build root, bound at /run/osbuild/bin/org.osbuild.qm, with its arguments
// in the JSON file /run/osbuild/api/arguments (tree, options, inputs, paths,
// devices, mounts, and meta with id and source-epoch). The stage may write a
// JSON object of metadata to /run/osbuild/meta; it reports failure by a
// non-zero exit status and a message on stderr. (osbuild's
// osbuild/pipeline.py Stage.run and osbuild/api.py describe the protocol.)
//
// Run is the stage: it reads the arguments, decodes the options strictly
// (blueprints/qmstage), validates them into a rootfs.Plan, runs the same
// stages as `qm-build rootfs` into the tree through os.Root
// (stages.WriteRootfs), and writes Metadata listing every path it wrote with
// its sha256.
//
// Install puts the stage into an osbuild library directory; RPMPackage is the
// osbuild-stage-qm package as data for rpmspec/rpm. RunDirEnv relocates
// /run/osbuild for tests only, and only in a build with the tag
// qmbuild_testhooks. The program osbuild runs is cmd/org.osbuild.qm.
package osbuildstage
