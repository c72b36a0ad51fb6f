package stages

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"time"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/selinux"
)

// SELinuxDir is where the selinux-policy stage writes, under Build.OutDir.
const SELinuxDir = "selinux"

// EnvSELinuxMakefile overrides the refpolicy devel Makefile the
// selinux-policy stage uses (default selinux.DevelMakefile).
const EnvSELinuxMakefile = "QM_BUILD_SELINUX_MAKEFILE"

// SELinuxPolicy writes the qm module's sources to <OutDir>/selinux/,
// compiles qm.pp when the policy tools are installed, and hands the bzip2'd
// module to the compose stage as Facts.PolicyModule. Without the tools the
// build goes on: the qm package ships no module, and a note says why.
var SELinuxPolicy = Stage{
	Name:   "selinux-policy",
	Reads:  []string{"plan"},
	Writes: []string{"facts:PolicyModule", "out:" + SELinuxDir + "/"},
	Run: func(ctx context.Context, b *Build) error {
		dir := ""
		if b.OutDir != "" {
			dir = filepath.Join(b.OutDir, SELinuxDir)
		}
		res, err := BuildPolicy(ctx, b.Plan.Version, PolicyOptions{Dir: dir, Epoch: b.Epoch, Makefile: b.Getenv(EnvSELinuxMakefile), CacheDir: b.CacheDir})
		if err != nil {
			return err
		}
		for _, w := range res.Written {
			b.AddArtifact("selinux-policy", "selinux", path.Join(SELinuxDir, w.Name), w.Data)
		}
		if res.NotBuilt != nil {
			b.Notes = append(b.Notes, fmt.Sprintf("qm.pp was not built, so the qm package ships no SELinux module: %v", res.NotBuilt))
			fmt.Fprintf(b.Log, "warning: %v\n", res.NotBuilt)
		}
		b.Facts.PolicyModule = res.Module
		return nil
	},
}

// PolicyOptions configure BuildPolicy.
type PolicyOptions struct {
	// Dir receives the sources and, when built, qm.pp and qm.pp.bz2; ""
	// writes nothing (the module is still built and returned).
	Dir string
	// Epoch is the modification time of the files written (SOURCE_DATE_EPOCH).
	Epoch time.Time
	// Makefile is the refpolicy devel Makefile; "" is selinux.DevelMakefile.
	Makefile string
	// CacheDir keeps built modules between builds (DirCache); ""
	// builds every time.
	CacheDir string
}

// PolicyResult is what BuildPolicy produced.
type PolicyResult struct {
	// Written are the files written to Dir, in order.
	Written []selinux.SourceFile
	// Module is the compiled module, nil when not built.
	Module *selinux.Module
	// NotBuilt says why qm.pp was not built (wraps selinux.ErrNoTools).
	NotBuilt error
}

// BuildPolicy writes the module's sources for a package version and compiles
// them when the tools are there. A version that cannot be a module version is
// bad input. A compile failure is an error: the sources are the program's own.
func BuildPolicy(ctx context.Context, version string, o PolicyOptions) (*PolicyResult, error) {
	srcs, err := selinux.Sources(version)
	if err != nil {
		return nil, err
	}
	res := &PolicyResult{}
	if o.Makefile == "" {
		o.Makefile = selinux.DevelMakefile
	}
	tools, terr := selinux.FindTools(exec.LookPath, os.Stat, o.Makefile)
	out := srcs
	switch {
	case errors.Is(terr, selinux.ErrNoTools):
		res.NotBuilt = terr
	case terr != nil:
		return nil, terr
	default:
		m, _, err := selinux.BuildModule(ctx, srcs, tools, moduleCache(o.CacheDir), version)
		if err != nil {
			return nil, err
		}
		res.Module = &m
		out = append(out, selinux.SourceFile{Name: selinux.PolicyPackage, Data: m.PP}, selinux.SourceFile{Name: selinux.PackageFileBz2, Data: m.Bzip2})
	}
	if o.Dir == "" {
		return res, nil
	}
	t, err := rootfs.OpenTree(o.Dir, rootfs.TreeOptions{Create: true, Epoch: o.Epoch})
	if err != nil {
		return nil, err
	}
	defer t.Close()
	for _, f := range out {
		if err := t.Write(rpmspec.File{Path: "/" + f.Name, Kind: rpmspec.KindFile, Mode: 0o644, Body: f.Data}); err != nil {
			return nil, fmt.Errorf("writing %s: %w", filepath.Join(o.Dir, f.Name), err)
		}
		res.Written = append(res.Written, f)
	}
	return res, nil
}

// Where the SELinux context files go in an image tree. Inside QM, /etc is
// the host's /etc/qm, so QM's own file_contexts lives under /etc/qm
// (qm-upstream.md §4, §6).
const (
	NestedContextsPath   = rpmspec.QMRootfs + "/usr/share/containers/selinux/contexts"
	QMInsideFileContexts = rpmspec.QMEtc + "/selinux/targeted/contexts/files/file_contexts"
)

// ContextFiles are the SELinux context files of a QM image: the nested
// podman contexts and QM's own file_contexts, where QM reads them, and their
// copies in /usr/share/qm (shipped by the qm package too).
func ContextFiles() []rpmspec.File {
	const origin = "stages/selinux.go"
	mk := func(p string, body []byte) rpmspec.File {
		return rpmspec.File{Path: p, Kind: rpmspec.KindFile, Mode: 0o644, Body: body, Origin: origin}
	}
	return []rpmspec.File{
		mk(rootfs.QMContextsPath, selinux.NestedContexts()),
		mk(rootfs.QMFileContextsPath, selinux.QMFileContexts()),
		mk(NestedContextsPath, selinux.NestedContexts()),
		mk(QMInsideFileContexts, selinux.QMFileContexts()),
	}
}
