// Package selinux is qm's SELinux policy module and its file contexts, and an
// offline label check that computes a file's context the way libselinux does.
//
// The policy sources live in policy/ and are embedded: qm.te (types, rules),
// qm.if (interfaces, including the qm_domain_template for QM domains), qm.fc
// (the one declaration of qm's file contexts) and qm_compat.if (declarations
// that Fedora's container-selinux provides and Debian's refpolicy lacks, used
// only for the offline build; see that file).
//
// From qm.fc the package derives, with no I/O:
//   - HostFileContexts: qm's lines for the host's file_contexts;
//   - QMFileContexts: the file_contexts QM uses inside its root, where
//     /usr/lib/qm/rootfs is "/", /etc/qm is /etc and /var/qm is /var;
//   - NestedContexts: podman's contexts file for containers nested in QM.
//
// ParseFileContexts reads a file_contexts(5) file and (*FileContexts).Lookup
// implements libselinux's selabel_lookup(3) for the file backend
// (label_file.c): anchored regexes, exact paths before regexes, the last
// matching line wins, the file-type field, and <<none>>.
package selinux
