package main

// commands is the whole CLI, in the order `qm-build --help` lists it. Each
// command lives in the file named after it. It is set in init: completion
// and the docs read it back (flagSets).
var commands []command

func init() {
	commands = []command{
		{name: "build", summary: "run every stage in order into an output directory", run: cmdBuild},
		{name: "rpm", summary: "write the qm package and chosen drop-ins as RPMs", run: cmdRPM},
		{name: "spec", summary: "render the same packages as one self-contained .spec", run: cmdSpec},
		{name: "dropins", summary: "list the drop-in catalog", run: cmdDropins},
		{name: "rootfs", summary: "write QM's content into an existing image tree", run: cmdRootfs},
		{name: "quadlet", summary: "print qm.container and its drop-ins", run: cmdQuadlet},
		{name: "bluechi", summary: "print QM's BlueChi agent configuration", run: cmdBluechi},
		{name: "selinux", summary: "the qm policy module, its file contexts, an offline label check", run: cmdSELinux, subcommands: []string{"policy", "contexts", "label-check"}},
		{name: "manifest", summary: "emit an osbuild manifest with QM pipelines (runs qm-build-manifest)", run: cmdManifest},
		{name: "blueprint", summary: "emit or merge osbuild blueprint fragments", run: cmdBlueprint, subcommands: []string{"merge"}},
		{name: "sbom", summary: "write the SPDX 2.3 software bill of materials of QM's partition", run: cmdSBOM},
		{name: "check", summary: "check a finished image offline for QM's isolation promises", run: cmdCheck},
		{name: "repo", summary: "write yum repodata for a directory of RPMs", run: cmdRepo},
		{name: "publish", summary: "publish RPMs to a mirror layout or an OCI registry", run: cmdPublish},
		{name: "completion", summary: "print a completion script for bash, zsh or fish", run: cmdCompletion},
		{name: "osbuild-stage", summary: "install or describe the org.osbuild.qm osbuild stage", run: cmdOsbuildStage, subcommands: []string{"install", "schema", "options", "rpm"}},
	}
}
