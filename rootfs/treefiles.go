package rootfs

import (
	"fmt"
	"path"

	"github.com/qm-build/qm-build/rootfs/bluechi"
	"github.com/qm-build/qm-build/rootfs/quadlet"
	"github.com/qm-build/qm-build/rootfs/seccomp"
	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/selinux"
)

// Names of the tree stages; each writes the TreeFiles carrying its name
// (stages/tree.go runs them in this order).
const (
	StageSkeleton       = "skeleton"
	StageNestedConfig   = "nested-config"
	StageQuadletDropins = "quadlet-dropins"
	StageBlueChi        = "bluechi"
	StageSeccomp        = "seccomp"
)

// TreeStages lists the tree stages in the order they run.
var TreeStages = []string{StageSkeleton, StageNestedConfig, StageQuadletDropins, StageBlueChi, StageSeccomp}

// Host paths of QM's /var.
const (
	QMVarTmp       = rpmspec.QMVar + "/tmp"
	QMVarImagesTmp = rpmspec.QMVar + "/tmp.images"
	QMSharedStore  = rpmspec.QMVar + "/lib/shared"
)

// treeFiles are the files the build stages write besides package payloads,
// and the notes for the build summary.
func treeFiles(p *Plan, f Facts) ([]TreeFile, []string, error) {
	var out []TreeFile
	var notes []string
	add := func(stage string, files ...rpmspec.File) {
		for _, fl := range files {
			out = append(out, TreeFile{File: fl, Stage: stage})
		}
	}
	add(StageSkeleton, skeletonFiles()...)
	add(StageNestedConfig, nestedConfigFiles(p.Nested)...)
	for _, m := range subIDFiles() {
		out = append(out, TreeFile{File: m, Stage: StageNestedConfig, Merge: true})
	}
	add(StageQuadletDropins, quadletDropinFiles(p, f)...)
	_, dnotes := extraDevices(p)
	notes = append(notes, dnotes...)
	bc, bnotes := bluechiFiles(p, f)
	add(StageBlueChi, bc...)
	notes = append(notes, bnotes...)
	sec, snote, err := seccompFiles(f)
	if err != nil {
		return nil, nil, err
	}
	add(StageSeccomp, sec...)
	notes = append(notes, snote)
	return out, notes, nil
}

// skeletonFiles are QM's rootfs skeleton with the modes of a Fedora/CentOS
// root (the filesystem package: proc and sys 0555, tmp 1777), the mount
// points of QM's /etc (host /etc/qm) and /var (host /var/qm), and QM's /var.
func skeletonFiles() []rpmspec.File {
	const origin = "rootfs/treefiles.go"
	files := []rpmspec.File{
		dir("/usr/lib/qm", 0o755, origin),
		dir(rpmspec.QMRootfs, 0o555, origin),
	}
	for _, d := range []struct {
		name string
		mode uint
	}{
		{"dev", 0o755}, {"etc", 0o755}, {"proc", 0o555}, {"run", 0o755},
		{"sys", 0o555}, {"tmp", 0o1777}, {"usr", 0o755}, {"var", 0o755},
	} {
		files = append(files, dir(path.Join(rpmspec.QMRootfs, d.name), d.mode, origin))
	}
	files = append(files,
		dir(rpmspec.QMEtc, 0o755, origin),
		dir(rpmspec.QMVar, 0o755, origin),
		dir(QMVarTmp, 0o1777, origin),
		dir(QMVarImagesTmp, 0o1777, origin),
		dir(rpmspec.QMVar+"/lib", 0o755, origin),
		// An additional image store needs its layout and lock files before
		// podman will read it (containers-storage.conf(5)).
		dir(QMSharedStore, 0o755, origin),
		dir(QMSharedStore+"/overlay-images", 0o755, origin),
		dir(QMSharedStore+"/overlay-layers", 0o755, origin),
		file(QMSharedStore+"/overlay-images/images.lock", 0o644, nil, origin),
		file(QMSharedStore+"/overlay-layers/layers.lock", 0o644, nil, origin),
	)
	return files
}

// nestedConfigFiles configure the podman nested in QM and its SELinux labels.
func nestedConfigFiles(nested []NestedImage) []rpmspec.File {
	const origin = "rootfs/treefiles.go"
	return []rpmspec.File{
		dir(NestedConfDir, 0o755, origin),
		dir(NestedConfDropinDir, 0o755, origin),
		dir(NestedQuadletDir, 0o755, origin),
		file(NestedContainersConf, 0o644, NestedContainersConfBody(), origin),
		file(NestedStorageConf, 0o644, NestedStorageConfFor(nested), origin),
		file(NestedContextsPath, 0o644, selinux.NestedContexts(), origin),
		file(NestedFileContextsPath, 0o644, selinux.QMFileContexts(), origin),
	}
}

// subIDFiles are merged into existing files line by line.
func subIDFiles() []rpmspec.File {
	const origin = "rootfs/treefiles.go"
	return []rpmspec.File{
		file(rpmspec.QMEtc+"/subuid", 0o644, []byte(QMSubIDs), origin),
		file(rpmspec.QMEtc+"/subgid", 0o644, []byte(QMSubIDs), origin),
		file("/etc/subuid", 0o644, []byte(HostSubIDs), origin),
		file("/etc/subgid", 0o644, []byte(HostSubIDs), origin),
	}
}

// quadletOptions are the plan's container options for the options drop-in.
// The timezone is the user's, else the target tree's; the packaged
// qm.container says UTC.
func quadletOptions(p *Plan, f Facts) quadlet.Options {
	tz := p.Timezone
	if tz == "" {
		tz = f.Timezone
	}
	if tz == quadlet.DefaultTimezone {
		tz = ""
	}
	o := quadlet.Options{
		MemoryMax: p.MemoryMax, MemoryHigh: p.MemoryHigh, CPUWeight: p.CPUWeight,
		Writable: p.Writable, Network: p.Network, Timezone: tz,
		Volumes: p.Volumes, VarPartition: p.VarPartition,
	}
	o.Devices, _ = extraDevices(p)
	if f.Seccomp != nil {
		o.SeccompProfile = seccomp.DerivedPath
	}
	return o
}

func quadletDropinFiles(p *Plan, f Facts) []rpmspec.File {
	u := quadlet.OptionsDropin(quadletOptions(p, f))
	if u == nil {
		return nil
	}
	return []rpmspec.File{file(path.Join(rpmspec.QuadletDropinDir, quadlet.OptionsDropinName), 0o644, u.Bytes(), "rootfs/treefiles.go")}
}

// BlueChiOptions resolves QM's BlueChi agent options: the node name is the
// user's, else the host agent's in the tree, else bluechi.DefaultName.
func BlueChiOptions(p *Plan, f Facts) bluechi.Options {
	name := p.Hostname
	if name == "" {
		name = f.HostNodeName
	}
	if name == "" {
		name = bluechi.DefaultName
	}
	return bluechi.Options{Name: name, ControllerHost: p.Controller.Host, ControllerPort: p.Controller.Port, ControllerSocket: p.Controller.Socket}
}

func bluechiFiles(p *Plan, f Facts) ([]rpmspec.File, []string) {
	const origin = "rootfs/treefiles.go"
	o := BlueChiOptions(p, f)
	files := []rpmspec.File{
		dir(path.Dir(bluechi.QMConfDir), 0o755, origin),
		dir(bluechi.QMConfDir, 0o755, origin),
		file(bluechi.QMConf, 0o644, bluechi.AgentConf(o).Bytes(), origin),
		{Path: bluechi.QMWants, Kind: rpmspec.KindSymlink, Mode: 0o777, Target: bluechi.QMUnit, Origin: origin},
	}
	if o.ControllerSocket {
		files = append(files, file(path.Join(rpmspec.QuadletDropinDir, quadlet.BlueChiSocketDropinName), 0o644, quadlet.BlueChiSocketDropin().Bytes(), origin))
	}
	notes := bluechi.Notes(o)
	if p.Hostname == "" && f.HostNodeName == "" {
		notes = append(notes, fmt.Sprintf("BlueChi: no --hostname and no host agent NodeName in the tree; QM's agent is %s", bluechi.NodeName(o.Name)))
	}
	return files, notes
}

// seccompFiles is the profile derived from the tree's containers profile, at
// a path of its own that the options drop-in names; without a base the
// packaged profile (qm-build's own) stays in use and nothing is written.
func seccompFiles(f Facts) ([]rpmspec.File, string, error) {
	if f.Seccomp == nil {
		return nil, "seccomp: the tree has no " + seccomp.BasePath + "; QM uses qm-build's own profile " + seccomp.Path, nil
	}
	profile, err := seccomp.Profile(f.Seccomp)
	if err != nil {
		return nil, "", err
	}
	note := "seccomp: derived " + seccomp.DerivedPath + " from the tree's " + seccomp.BasePath + " (SeccompProfile= in the options drop-in)"
	return []rpmspec.File{file(seccomp.DerivedPath, 0o644, profile, "rootfs/treefiles.go")}, note, nil
}
