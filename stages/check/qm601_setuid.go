package check

import (
	"io/fs"

	"github.com/qm-build/qm-build/rpmspec"
)

// defaultSetuid are the set-id programs of the packages upstream's setup
// installs into QM (shadow-utils, util-linux, pam, fuse, dbus, polkit), as
// paths inside QM. They act inside QM's own user namespace and SELinux domain.
var defaultSetuid = []string{
	"/usr/bin/chage", "/usr/bin/gpasswd", "/usr/bin/newgrp", "/usr/bin/passwd", "/usr/bin/newuidmap", "/usr/bin/newgidmap",
	"/usr/bin/su", "/usr/bin/mount", "/usr/bin/umount", "/usr/bin/fusermount", "/usr/bin/fusermount3", "/usr/bin/write",
	"/usr/sbin/unix_chkpwd", "/usr/sbin/pam_timestamp_check", "/usr/libexec/utempter/utempter",
	"/usr/libexec/dbus-1/dbus-daemon-launch-helper", "/usr/lib/polkit-1/polkit-agent-helper-1",
}

// QM601: no unexpected set-id files in QM's trees.
var ruleQM601 = Rule{
	ID: "QM601", Severity: Error, Group: GroupHygiene,
	Title: "no setuid or setgid file in QM's trees outside the default list and the allow file",
	Rationale: "A set-id program in /etc/qm, /var/qm or the rootfs is a way up for code running in QM, and one a host process " +
		"may run by mistake; the 'selinux' and 'not visible' FFI properties assume QM's root is only what its packages install.",
	FFI: []string{"selinux", "not visible"},
	Check: func(c *Context) []Finding {
		w, err := c.Walk()
		if err != nil {
			return nil
		}
		var out []Finding
		for _, e := range w.setid {
			inside := insideQM(e.Path)
			if contains(c.Policy.Setuid, e.Path) || contains(c.Policy.Setuid, inside) || contains(defaultSetuid, inside) {
				continue
			}
			bits := "setuid"
			if e.Mode&fs.ModeSetuid == 0 {
				bits = "setgid"
			} else if e.Mode&fs.ModeSetgid != 0 {
				bits = "setuid and setgid"
			}
			out = append(out, at(e.Path, 0, "is %s (mode %s), not in the default list nor allowed (setuid %s in the allow file)", bits, rpmspec.OctalMode(e.Mode), inside))
		}
		return out
	},
}
