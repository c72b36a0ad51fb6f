package rpmtest

import (
	"github.com/qm-build/qm-build/rpmspec"
)

// EdgePackages are a main package "qm" and a sub-package "qm-edge" that use
// every feature of the model the emitters must carry: each file kind and flag,
// modes with setuid, a non-root owner, text that needs escaping from rpm's
// macros, text that cannot go through a heredoc (no final newline, a line
// starting with '%', the heredoc's end marker), binary content, an empty file,
// relative and absolute symlinks, an executable script (rpmbuild derives a
// requirement from its "#!"), every scriptlet, and every kind of relation.
func EdgePackages() []*rpmspec.Package {
	const origin = "rpmtest/edge.go"
	v, r := "2.5", "3"
	file := func(p string, mode uint, body string) rpmspec.File {
		return rpmspec.File{Path: p, Mode: rpmspec.ModeFromRPM(mode), Body: []byte(body), Origin: origin}
	}
	dir := func(p string, mode uint) rpmspec.File {
		return rpmspec.File{Path: p, Kind: rpmspec.KindDir, Mode: rpmspec.ModeFromRPM(mode), Origin: origin}
	}
	link := func(p, target string) rpmspec.File {
		return rpmspec.File{Path: p, Kind: rpmspec.KindSymlink, Mode: 0o777, Target: target, Origin: origin}
	}
	with := func(f rpmspec.File, flags rpmspec.FileFlags) rpmspec.File { f.Flags = flags; return f }
	blob := make([]byte, 256)
	for i := range blob {
		blob[i] = byte(i)
	}
	binary := file("/usr/share/qm/edge/blob.bin", 0o644, "")
	binary.Body = blob
	owned := file("/usr/share/qm/edge/owned.txt", 0o640, "owned by nobody\n")
	owned.Owner, owned.Group = "nobody", "nogroup"

	qm := &rpmspec.Package{
		Name: "qm", Version: v, Release: r, Arch: "noarch",
		Summary:     "Edge-case fixture: 100% of the model's features",
		Description: "The main package of the edge-case fixture.\n  Indented line, and a 50% share of %{macros}.\n\n",
		License:     rpmspec.License, URL: rpmspec.URL,
		Files: []rpmspec.File{
			dir("/usr/share/qm", 0o755),
			dir("/usr/share/qm/edge", 0o750),
			with(dir("/usr/lib/qm/rootfs", 0o555), rpmspec.FlagGhost),
			with(file("/var/log/qm-edge.log", 0o640, ""), rpmspec.FlagGhost),
			with(file("/etc/qm/edge.conf", 0o644, "# config, replaced on upgrade\nkey = \"100%\"\n"), rpmspec.FlagConfig),
			file("/usr/share/qm/edge/percent.txt", 0o644, "a 50% share of %{macros} and %%\n"),
			file("/usr/share/qm/edge/indented.txt", 0o644, "text\n  %indented, still a section to be safe\n"),
			file("/usr/share/qm/edge/section.txt", 0o644, "%files\nwould end %install\n"),
			file("/usr/share/qm/edge/heredoc.txt", 0o644, "before\nQM_BUILD_EOF\nafter\n"),
			file("/usr/share/qm/edge/nonewline.txt", 0o644, "no newline at the end"),
			file("/usr/share/qm/edge/crlf.txt", 0o644, "dos\r\nline\r\n"),
			file("/usr/share/qm/edge/empty", 0o644, ""),
			binary,
			owned,
			file("/usr/libexec/qm/edge-hello", 0o4755, "#!/bin/bash\necho \"hello from qm\"\n"),
			with(file("/usr/share/doc/qm/README.edge", 0o644, "Documentation.\n"), rpmspec.FlagDoc),
			link("/usr/share/qm/edge/relative", "percent.txt"),
			link("/usr/share/qm/edge/absolute", "/usr/share/qm/edge/percent.txt"),
		},
		Scripts: rpmspec.Scriptlets{
			Pre:       "if [ \"$1\" -gt 1 ]; then\n  printf '%s\\n' \"upgrading qm\"\nfi\n",
			Post:      "if [ \"$1\" -eq 1 ]; then \\\n  echo \"first install\"\nfi\n\n",
			PreUn:     "echo \"removing (left: $1)\"\n",
			PostUn:    "[ \"$1\" -ge 0 ] && echo \"removed\"\n",
			PreTrans:  "echo \"pretrans\"\n",
			PostTrans: "printf '%d%%\\n' 100\n",
		},
	}
	qm.Requires.Add(rpmspec.Relation{Name: "podman", Op: ">=", Version: "4.5"})
	qm.Requires.Add(rpmspec.Relation{Name: "containers-common"})
	qm.Requires.Add(rpmspec.Relation{Name: "systemd", Op: ">", Version: "252"})
	qm.Provides.Add(rpmspec.Relation{Name: "qm-edge-virtual", Op: "=", Version: "7"})
	qm.Conflicts.Add(rpmspec.Relation{Name: "qm-legacy", Op: "<", Version: "0.5"})
	qm.Obsoletes.Add(rpmspec.Relation{Name: "qm-ancient", Op: "<=", Version: "0.1-1"})
	qm.Recommends.Add(rpmspec.Relation{Name: "bluechi-agent"})

	sub := &rpmspec.Package{
		Name: "qm-edge", Version: v, Release: r, Arch: "noarch", Dropin: "edge",
		Summary: "Edge-case fixture sub-package", Description: "A drop-in-like sub-package.",
		License: rpmspec.License, URL: rpmspec.URL,
		Files: []rpmspec.File{
			with(file("/etc/containers/systemd/qm.container.d/edge.conf", 0o644, "[Container]\nAddDevice=-/dev/edge\n"), rpmspec.FlagConfig|rpmspec.FlagNoReplace),
			dir("/usr/share/qm/edge", 0o750),
		},
		Scripts: rpmspec.Scriptlets{PostUn: "echo \"edge gone\"\n"},
	}
	sub.Requires.Add(rpmspec.Relation{Name: "qm", Op: "=", Version: v + "-" + r})
	sub.Provides.Add(rpmspec.Relation{Name: "qm_mount_bind_edge", Op: "=", Version: v + "-" + r})
	sub.Obsoletes.Add(rpmspec.Relation{Name: "qm_mount_bind_edge", Op: "<", Version: v + "-" + r})
	return []*rpmspec.Package{qm, sub}
}
