// Package imagefs is the read-only view of an image that the configuration
// models under rootfs/ (systemd units, quadlet, containers.conf, OCI hooks)
// read through. Their consumer implements it over whatever holds the image
// (the checker over its targets); the models never see a host path.
package imagefs
