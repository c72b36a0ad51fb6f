// Package quadlet is the typed model of QM's podman quadlet: the packaged
// /usr/share/containers/systemd/qm.container and the drop-ins qm-build writes
// into /etc/containers/systemd/qm.container.d/ (build options, the BlueChi
// socket, the devices of drop-in packages).
//
// A Unit holds the settings as Go fields; File renders it through the
// unitfile model, walking one table of (group, key) rows in a fixed order, so
// output is deterministic and never assembled by string concatenation. Key
// names are constants, and SupportedKeys maps each quadlet group to the keys
// podman 5.4's quadlet accepts there (podman-systemd.unit(5)); CheckKeys
// reports any other key with its file:line, as quadlet itself would refuse it.
//
// QM returns upstream QM's qm.container defaults (containers/qm
// etc/containers/systemd/qm.container at v1.0), with the paths written out
// instead of ${ROOTFS}-style variables and the timezone resolved at build
// time. OptionsDropin turns build options into a drop-in, never an edit of the
// packaged file.
//
// The same package reads quadlet back, the way podman 5.4's generator does,
// for the checker's effective model: Find locates a unit and its drop-ins on
// quadlet's search path (subdirectories, drop-in precedence), and Convert
// turns the merged unit (parsed with unitfile.ParseQuadlet) into the service
// and podman command line quadlet generates, each word with the assignment
// that produced it. Tests compare both with the real quadlet.
package quadlet
