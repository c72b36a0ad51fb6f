// Package rpmspec is qm-build's one model of what QM installs: packages, their
// files, relations and scriptlets, and the catalog of drop-ins.
//
// A drop-in or a file is declared once, as data. The catalog lives in
// catalog/*.yaml, compiled to Go values in catalog_gen.go (generated and
// checked by TestGeneratedCatalog; `go test ./rpmspec -update` rewrites it);
// user drop-ins from --dropin-dir use the same format. Every emitter reads this model and none keeps a file list of its
// own: the RPM writer (rpmspec/rpm), the .spec renderer (Spec), the tree stages
// (stages/, rootfs/), the blueprint and manifest (blueprints/) and the checker.
//
// The package does no I/O except reading the embedded catalog; LoadDir reads a
// directory through an fs.FS the caller opens.
package rpmspec
