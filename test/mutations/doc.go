// Package mutations is the mutation corpus of `qm-build check`: small,
// declarative defects (corpus/*.yaml), each applied to a copy of the good tree
// that `qm-build build --dropin all` writes, each with the rule IDs the check
// must report (or none, for the allowed variants that prove a rule does not
// fire falsely). mutations_test.go builds the good tree through the library,
// applies every mutation, checks the directory and the same tree packed with
// the real tools (pack.go: GNU tar, umoci, skopeo) as an OCI layout, an
// oci-archive and a docker-archive, requires the four forms to give the same
// findings (forms_test.go), and prints the detection table.
//
// A mutation is data, e.g. in corpus/quadlet.yaml:
//
//	# name, the rule IDs the check must report, an optional allow file and
//	# --arch for the case, and the operations that make the defect:
//	- name: a drop-in re-adds --privileged through PodmanArgs
//	  expect: [QM108]
//	  ops:
//	    - write: /etc/containers/systemd/qm.container.d/99-local.conf
//	      body: |
//	        [Container]
//	        PodmanArgs=--privileged
//
// Operations (each names one image path): write (body, mode), append (body),
// replace (old, new), remove, chmod (mode), chown (uid, gid), symlink
// (target), mknod (dev: c or b), copy (to), elf (arch: a tiny static binary
// of that architecture), label (value: an SELinux context set as the
// security.selinux attribute), link (target: an existing image path the new
// name becomes a hard link of). Every write goes through os.Root.
package mutations
