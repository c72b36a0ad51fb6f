package podman

import "testing"

// FuzzParseValues: podman's --volume, --mount, --tmpfs and --device values
// parse or give an error, never panic.
func FuzzParseValues(f *testing.F) {
	for _, s := range []string{"/a:/b:ro,z", "type=bind,src=/a,dst=/b,ro", "/tmp:rw,size=1m", "/dev/kvm:/dev/kvm:rwm", ":::", "type=tmpfs,destination=/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = ParseVolume(s)
		_, _ = ParseMount(s)
		_ = ParseTmpfs(s)
		_, _ = ParseDevice(s)
	})
}
