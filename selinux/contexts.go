package selinux

import (
	"bytes"
	"fmt"
)

// NestedType is one key of podman's SELinux contexts file
// (/usr/share/containers/selinux/contexts, containers.conf(5) "label"
// settings) and the qm type podman uses for it inside QM.
type NestedType struct {
	Key  string // process, file, ro_file, kvm_process, init_process
	Role string // system_r for processes, object_r for files
	Type string
}

// NestedTypes are the contexts of containers nested in QM, in the order the
// contexts file lists them. Every type is declared in policy/qm.te.
var NestedTypes = []NestedType{
	{"process", "system_r", "qm_container_t"},
	{"file", "object_r", "qm_container_file_t"},
	{"ro_file", "object_r", "qm_container_ro_file_t"},
	{"kvm_process", "system_r", "qm_container_kvm_t"},
	{"init_process", "system_r", "qm_container_init_t"},
}

// NestedContexts returns the contexts file QM's podman reads (installed as
// /usr/share/qm/contexts and copied to
// <rootfs>/usr/share/containers/selinux/contexts): nested containers run as
// qm_container_t on qm_container_file_t instead of container-selinux's
// container_t. The level is s0; podman adds the per-container categories.
func NestedContexts() []byte {
	var b bytes.Buffer
	b.WriteString("# SELinux contexts of containers nested in QM (written by qm-build)\n")
	for _, n := range NestedTypes {
		fmt.Fprintf(&b, "%s = \"system_u:%s:%s:s0\"\n", n.Key, n.Role, n.Type)
	}
	return b.Bytes()
}
