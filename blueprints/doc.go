// Package blueprints is how QM reaches image-builder's blueprints: fragments
// that add QM to an image (NewFragment, EncodeTOML), the merge of fragments
// into a user's blueprint (Merge), strict parsing (ParseBlueprint), the
// customization path policies, and the package lock (Lock) that manifests are
// resolved from.
//
// It imports github.com/osbuild/blueprint (a small module) and never
// github.com/osbuild/images: the path policies are qm-build's own copies of
// images' tables, checked path by path against images' in
// blueprints/manifest's tests. Manifests, the only part that needs
// osbuild/images (about 360 modules), are in the sub-package
// blueprints/manifest, so that nothing else links it (test/layering keeps it
// that way). The org.osbuild.qm stage's options contract is blueprints/qmstage.
//
// Blueprints may only carry packages, services and files or directories
// under /etc: QM's rootfs (/usr/lib/qm/rootfs) comes from the manifest or the
// RPMs, because blueprint customization policies deny /usr and no blueprint
// can run a second package installation into an install root.
package blueprints
