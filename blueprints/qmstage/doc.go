// Package qmstage is the contract of the org.osbuild.qm osbuild stage's
// options: the JSON Schema osbuild validates them against (MetaJSON, embedded
// from org.osbuild.qm.meta.json), the strict Go decoder (DecodeOptions), the
// validation into a rootfs.Plan (Options.Plan), and the way back from a plan
// (OptionsFromPlan), which `qm-build manifest --qm-stage` uses to put a plan
// into a manifest.
//
// The schema and the Go decoder are written independently; a differential
// test runs a table of option sets through both and requires them to agree
// on every row.
//
// It sits in blueprints, below stages: the manifest emitter (blueprints/
// manifest) writes these options and the stage runtime (stages/osbuildstage)
// reads them, so neither has to import the other.
package qmstage
