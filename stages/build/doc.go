// Package build is the pipeline of `qm-build build` (Stages) and the stages
// only it runs, the ones that write OUT/: rpms (the RPM writer), repo
// (repodata), manifest (which runs the qm-build-manifest binary), blueprint
// (the blueprint fragment) and check (the offline gate on the tree).
//
// They live apart from the stages that write QM's content into a tree
// (package stages) so that the org.osbuild.qm stage binary, which runs only
// those, links none of what these need.
package build
