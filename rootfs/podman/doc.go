// Package podman reads a podman command line the way podman 5.4 does: the
// global flags before the subcommand, "run" (or "container run"), its flags
// until the first argument that is not a flag, then the image (or, with
// --rootfs, the root directory) and the command. Flags follow pflag's rules:
// "--flag=value" and "--flag value", booleans only as "--flag" or
// "--flag=false" (a "false" after a boolean flag is an argument), short
// flags alone, combined ("-dt") or with a value ("-vX", "-v X", "-v=X"), "--"
// ending the flags; a flag that takes a value takes the next word whatever it
// is. Repeating a flag either replaces its value or adds to it, per flag kind
// (Kind).
//
// The flag table (Flags) is podman 5.4.2's, hidden flags included. On top of
// the parsed line, the package gives the meaning podman gives the values that
// matter to a container's confinement: security options (SELinux labels,
// seccomp, masks), capabilities, devices, volumes and mounts.
package podman
