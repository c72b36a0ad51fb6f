package cli

import (
	"io"

	"github.com/spf13/pflag"
)

// ManifestUsage is `qm-build manifest --help`'s text before the flags.
const ManifestUsage = `qm-build manifest --distro cs9|cs10|autosd9|autosd10|fedora-42 --arch x86_64|aarch64
                  [--dropin NAME]... [--blueprint BASE.toml] [--rpms DIR]
                  (--packages-lock FILE | --depsolve dnf --repo ID=URL... [--write-lock FILE])
                  [--qm-stage] [-o FILE]

Writes an osbuild manifest (JSON, to stdout or --out) with a qm_rootfs
pipeline before os: qm_rootfs installs QM's own package set and its
build-time files; os installs qm and the qm-<dropin> packages and copies the
qm_rootfs tree to /usr/lib/qm/rootfs, /etc/qm and /var/qm before the final
org.osbuild.selinux. Every package must be resolved: from a lock file, or by
running dnf against the given repositories. --rpms takes qm-build's own
packages from a directory of RPMs instead (e.g. out/rpms). --qm-stage has
the org.osbuild.qm stage (qm-build osbuild-stage install) write QM's files
instead of inline sources.`

// ManifestFlags are `qm-build manifest`'s flags beyond the plan's. They are
// defined here, not in qm-build-manifest, so that qm-build documents and
// completes them without linking osbuild/images.
type ManifestFlags struct {
	Plan         PlanFlags
	Blueprint    string
	PackagesLock string
	Depsolve     string
	Repos        []string
	WriteLock    string
	RPMs         string
	QMStage      bool
	Out          *string
}

// NewManifestFlags returns manifest's flag set (without the common flags,
// which the program adds) and what it fills.
func NewManifestFlags(stdout io.Writer) (*pflag.FlagSet, *ManifestFlags) {
	m := &ManifestFlags{}
	fs := NewFlags(stdout, "manifest", ManifestUsage)
	m.Plan.AllFlags(fs)
	fs.StringVar(&m.Blueprint, "blueprint", "", "the image's base blueprint (TOML or .json): packages, services, files, users… for the os pipeline")
	fs.StringVar(&m.PackagesLock, "packages-lock", "", "lock file with every pipeline's resolved packages (see --write-lock)")
	fs.StringVar(&m.Depsolve, "depsolve", "", "resolve packages now: dnf (runs the real dnf against --repo)")
	fs.StringArrayVar(&m.Repos, "repo", nil, "repository for --depsolve: ID=URL (a URL, or a local directory) (repeatable)")
	fs.StringVar(&m.WriteLock, "write-lock", "", "with --depsolve: also write the resolution as a lock file")
	fs.StringVar(&m.RPMs, "rpms", "", "directory holding qm-build's own RPMs (qm, qm-<dropin>); they replace the lock's")
	fs.BoolVar(&m.QMStage, "qm-stage", false, "write QM's files with the org.osbuild.qm stage instead of inline sources (needs the stage on the osbuild host)")
	m.Out = OutFlag(fs, "", "write the manifest to FILE (atomically) instead of stdout")
	return fs, m
}
