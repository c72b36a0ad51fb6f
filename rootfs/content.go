package rootfs

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/qm-build/qm-build/rootfs/quadlet"
	"github.com/qm-build/qm-build/rootfs/unitfile"
	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/selinux"
)

// Facts are what the build learns before composing, from the target tree and
// from the tools it ran: read at the edge, passed in as data.
type Facts struct {
	// HostNodeName is the host BlueChi agent's NodeName, if the tree has one.
	HostNodeName string
	// Timezone is the zone /etc/localtime points at in the tree, if any.
	Timezone string
	// Seccomp is the tree's /usr/share/containers/seccomp.json, if any; the QM
	// profile is derived from it.
	Seccomp []byte
	// PolicyModule is the qm module as compiled by the selinux stage, or nil
	// when the policy tools are missing (the build says so and goes on).
	PolicyModule *selinux.Module
	// HookProgram is QM's OCI hook program (cmd/qm-oci-hook, built for the
	// target by make hook and given as --hook-binary), the content of the
	// hook package; nil when not given (hookpkg.go).
	HookProgram []byte
}

// TreeFile is one file a build stage writes into an image, besides package
// payloads. Stage names the stage that owns it.
type TreeFile struct {
	rpmspec.File
	Stage string
	// Merge, when set, makes the write additive: each line of Body is added to
	// the existing file unless already present (subuid, subgid). Re-running a
	// build never duplicates such lines.
	Merge bool
}

// Content is everything QM puts on an image for one plan.
type Content struct {
	Plan *Plan
	// Packages are qm first, then qm-<dropin> sorted by name.
	Packages []*rpmspec.Package
	// Tree is what the stages write besides the package payloads.
	Tree []TreeFile
	// Notes are things the user must know about the result (printed in the
	// build summary), e.g. that the BlueChi controller must allow qm.<name>.
	Notes []string
	// Skipped say which selected packages were left out and why (the hook
	// package without its program); each is among Notes too.
	Skipped []string
}

// Package returns the package with the given name.
func (c *Content) Package(name string) *rpmspec.Package {
	for _, p := range c.Packages {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// QuadletUnits returns the content's qm.container and its drop-ins in
// /etc/containers/systemd/qm.container.d (from the packages and the tree
// stages), the drop-ins sorted by file name as quadlet applies them. Each
// unit's Name is its image path.
func (c *Content) QuadletUnits() (*unitfile.File, []*unitfile.File, error) {
	var base *unitfile.File
	var dropins []*unitfile.File
	consider := func(f rpmspec.File) error {
		if f.Kind != rpmspec.KindFile {
			return nil
		}
		switch {
		case f.Path == quadlet.Path:
			u, err := unitfile.ParseBytes(f.Body, f.Path)
			base = u
			return err
		case path.Dir(f.Path) == quadlet.DropinDir && strings.HasSuffix(f.Path, ".conf"):
			u, err := unitfile.ParseBytes(f.Body, f.Path)
			dropins = append(dropins, u)
			return err
		}
		return nil
	}
	for _, p := range c.Packages {
		for _, f := range p.Files {
			if err := consider(f); err != nil {
				return nil, nil, err
			}
		}
	}
	for _, tf := range c.Tree {
		if err := consider(tf.File); err != nil {
			return nil, nil, err
		}
	}
	if base == nil {
		return nil, nil, fmt.Errorf("the content has no %s", quadlet.Path)
	}
	sort.SliceStable(dropins, func(i, j int) bool { return path.Base(dropins[i].Name) < path.Base(dropins[j].Name) })
	return base, dropins, nil
}
