// Package ocihooks models the OCI hooks through which QM grants devices to its
// container by annotation, as upstream QM's qm-oci-hooks package does: the
// quadlet sets an annotation (Annotation=org.containers.qm.device.audio=true),
// podman runs every hook whose hooks.d JSON "when" matches the container's
// annotations (oci-hooks(5)), and the hook adds the devices to the container's
// runtime configuration before it is created.
//
// The annotation → device table (Annotations) is declared once here and read by
// every emitter and reader: the drop-in packages that set annotations, the hook
// program that grants the devices, and the offline checker that counts those
// grants as granted devices.
package ocihooks
