// Package systemd resolves system units the way systemd's manager does when it
// loads them (systemd 252, as on CentOS Stream 9; the rules have not changed
// since), from an image instead of a running host:
//
//   - the unit search path (systemd.unit(5), "Unit File Load Path"), highest
//     priority first; the first directory holding a unit's file supplies it,
//     and a file linked to /dev/null (or empty) masks the unit;
//   - generators' output (quadlet writes qm.service into
//     /run/systemd/generator) ranks between /run/systemd/system and
//     /usr/local/lib/systemd/system; in an image /run is empty at boot, so the
//     only files there are the ones generators write;
//   - drop-ins: "<unit>.d/", the dash-prefix directories ("foo-.service.d/"
//     for "foo-bar.service"), the template's directory for instances, and the
//     type-wide "service.d/", in every directory of the path; a file name in an
//     earlier directory hides the same name later, and the chosen files apply
//     in file-name order (systemd's conf_files_list_strv());
//   - merging: single-valued settings take the last assignment, list settings
//     accumulate and an empty assignment resets them (rootfs/unitfile);
//   - ExecStart= command lines (systemd.service(5), "Command lines"): prefixes,
//     quoting, C escapes, specifiers and $VAR/${VAR} environment expansion.
//
// The package never touches the host: it reads through FS, a small interface
// its consumer implements over an image.
package systemd
