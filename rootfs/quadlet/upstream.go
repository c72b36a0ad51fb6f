package quadlet

// UpstreamDevices are the devices upstream QM's own qm.container gives QM
// (containers/qm v1.0: AddDevice=-/dev/kvm, AddDevice=-/dev/fuse). qm-build's
// base unit moves /dev/kvm to the kvm drop-in; the checker accepts both in the
// packaged unit, so that genuine upstream QM passes.
func UpstreamDevices() []string { return []string{"/dev/fuse", "/dev/kvm"} }
