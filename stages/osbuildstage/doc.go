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
// The stage is the qm-build binary itself: run under the name org.osbuild.qm
// it calls Run, which reads the arguments, decodes the options strictly
// (DecodeOptions), validates them with rootfs.NewPlan (Options.Plan), runs the
// same stages as `qm-build rootfs` into the tree through os.Root, and writes
// Metadata listing every path it wrote with its sha256. Run takes the stage
// runner as a value (Config.Write, normally stages.WriteRootfs): this package
// must not import stages, which imports it back for `qm-build manifest
// --qm-stage`.
//
// Install puts the stage into an osbuild library directory; RPMPackage is the
// osbuild-stage-qm package as data for rpmspec/rpm. RunDirEnv relocates
// /run/osbuild for tests only.
//
// The schema (MetaJSON, embedded from org.osbuild.qm.meta.json) and the Go
// decoder are written independently; a differential test runs a table of
// option sets through both and requires them to agree on every row.
// OptionsFromPlan is the way back: `qm-build manifest --qm-stage` uses it to
// put a plan into a manifest as this stage's options.
package osbuildstage
