package manifest

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/qm-build/qm-build/blueprints"

	"github.com/osbuild/blueprint/pkg/blueprint"
	imanifest "github.com/osbuild/images/pkg/manifest"
	"github.com/osbuild/images/pkg/platform"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
)

// Options say what a manifest builds.
type Options struct {
	// Content is QM's content, from rootfs.Compose; its plan gives the
	// distribution, the architecture and the drop-ins.
	Content *rootfs.Content
	// Base is the user's blueprint for the rest of the image, or nil.
	Base *blueprint.Blueprint
	// BaseName names Base in errors (its file name).
	BaseName string
	// QMStage emits the org.osbuild.qm stage (qm-build as an osbuild stage,
	// `qm-build osbuild-stage`) in os instead of inline files: qm_rootfs
	// then only installs QM's package set, and the stage writes the rest.
	QMStage bool
}

// RootfsPackages are what QM's rootfs is installed from, before the drop-ins'
// own needs (Dropin.RootfsPackages): a systemd to run the nested quadlets, a
// podman to run them, the SELinux policy the nested containers are labelled
// with, procps-ng for QM's tools and the BlueChi agent. AIB installs the same
// set into its qm_rootfs_base pipeline.
var RootfsPackages = []string{"systemd", "podman", "selinux-policy-targeted", "procps-ng", "bluechi-agent"}

// hostBasePackages are installed in os besides the blueprint's packages and
// QM's: the image's init system.
var hostBasePackages = []string{"systemd"}

// Manifest is an osbuild manifest being made: declared by New,
// resolved by the caller through Requests, written by Serialize.
type Manifest struct {
	opts     Options
	distro   Distro
	arch     string
	im       imanifest.Manifest
	place    placement
	requests []blueprints.Request
}

// New declares the build, qm_rootfs and os pipelines for a plan's
// content. Bad flags or a base blueprint the manifest cannot carry are bad
// input; every problem is reported at once.
func New(o Options) (*Manifest, error) {
	if o.Content == nil || o.Content.Plan == nil {
		return nil, errors.New("manifest: no content")
	}
	plan := o.Content.Plan
	var errs rpmspec.Errors
	if o.QMStage && len(plan.Nested) > 0 {
		errs = append(errs, nestedQMStageError)
	}
	d, err := LookupDistro(plan.Distro)
	if err != nil {
		errs = append(errs, rpmspec.AsErrors(err)...)
	}
	a, err := lookupArch(plan.Arch)
	if err != nil {
		errs = append(errs, rpmspec.AsErrors(err)...)
	}
	pl, err := place(o.Content.Tree)
	if err != nil {
		errs = append(errs, rpmspec.AsErrors(err)...)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	m := &Manifest{opts: o, distro: d, arch: plan.Arch, im: imanifest.New(), place: pl}
	m.im.Distro = d.Family
	build := imanifest.NewBuild(&m.im, d.Runner(), nil, nil)
	osp := imanifest.NewOS(build, &platform.Data{Arch: a}, nil)
	osp.OSCustomizations.BasePackages = hostBasePackages
	osp.OSCustomizations.SELinux = "targeted"
	userWants, err := applyBase(osp, o.Base, o.BaseName)
	if err != nil {
		errs = append(errs, rpmspec.AsErrors(err)...)
	}
	m.place.host, err = dedupHost(m.place.host, o.Base, o.BaseName)
	if err != nil {
		errs = append(errs, rpmspec.AsErrors(err)...)
	}
	if _, err := dedupHost(m.place.rootfs, o.Base, o.BaseName); err != nil {
		errs = append(errs, rpmspec.AsErrors(err)...)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	osWants, err := withOwnWants(userWants, o.Content, o.BaseName)
	if err != nil {
		return nil, err
	}
	for _, w := range osWants {
		osp.OSCustomizations.BlueprintPackages = append(osp.OSCustomizations.BlueprintPackages, w.Name)
	}
	if err := m.declare(osWants); err != nil {
		return nil, err
	}
	return m, nil
}

// declare turns images' package set chains and QM's rootfs set into the
// requests, in pipeline order. A chain is resolved as one transaction.
func (m *Manifest) declare(osWants []blueprints.Want) error {
	chains, err := m.im.GetPackageSetChains()
	if err != nil {
		return fmt.Errorf("getting package sets: %w", err)
	}
	constraint := map[string]blueprints.Want{}
	for _, w := range osWants {
		constraint[w.Name] = w
	}
	request := func(pipeline string) blueprints.Request {
		r := blueprints.Request{Pipeline: pipeline}
		for i, set := range chains[pipeline] {
			if i == 0 {
				r.WeakDeps = set.InstallWeakDeps
			}
			for _, name := range set.Include {
				w, ok := constraint[name]
				if !ok || pipeline != blueprints.PipelineOS {
					w = blueprints.Want{Name: name}
				}
				r.Packages = addWants(r.Packages, w)
			}
		}
		return r
	}
	rootfsReq := blueprints.Request{Pipeline: blueprints.PipelineQMRootfs}
	for _, n := range m.rootfsPackageNames() {
		rootfsReq.Packages = addWants(rootfsReq.Packages, blueprints.Want{Name: n})
	}
	buildReq := request(blueprints.PipelineBuild)
	if len(m.nested()) > 0 {
		// org.osbuild.skopeo runs skopeo from the build root.
		buildReq.Packages = addWants(buildReq.Packages, blueprints.Want{Name: "skopeo"})
	}
	m.requests = []blueprints.Request{buildReq, rootfsReq, request(blueprints.PipelineOS)}
	return nil
}

// nested are the plan's nested images.
func (m *Manifest) nested() []rootfs.NestedImage { return m.opts.Content.Plan.Nested }

// rootfsPackageNames is RootfsPackages plus the drop-ins' needs, sorted after
// the base set.
func (m *Manifest) rootfsPackageNames() []string {
	extra := map[string]bool{}
	for _, d := range m.opts.Content.Plan.Selected {
		for _, p := range d.RootfsPackages {
			extra[p] = true
		}
	}
	out := append([]string(nil), RootfsPackages...)
	for _, p := range slices.Sorted(maps.Keys(extra)) {
		out = append(out, p)
	}
	return out
}

// Requests are the packages each pipeline needs, in pipeline order: build,
// qm_rootfs, os.
func (m *Manifest) Requests() []blueprints.Request {
	return append([]blueprints.Request(nil), m.requests...)
}

// Distro is the manifest's target distribution.
func (m *Manifest) Distro() Distro { return m.distro }

// Arch is the manifest's target architecture.
func (m *Manifest) Arch() string { return m.arch }

// withOwnWants adds qm-build's own packages to the base blueprint's. A base
// blueprint that already lists one (a ready blueprint does) keeps its place;
// it must not pin another version.
func withOwnWants(user []blueprints.Want, c *rootfs.Content, baseName string) ([]blueprints.Want, error) {
	out := append([]blueprints.Want(nil), user...)
	var errs rpmspec.Errors
	for _, p := range c.Packages {
		own := blueprints.Want{Name: p.Name, Version: p.EVR(), Own: true}
		found := false
		for i, w := range out {
			if w.Name != p.Name {
				continue
			}
			found = true
			if !w.Matches(blueprints.LockedPackage{Name: p.Name, Version: p.Version, Release: p.Release}) {
				errs = append(errs, &rpmspec.InputError{File: baseName, Field: "packages", Msg: fmt.Sprintf("%s %s conflicts with the %s qm-build builds", p.Name, w.Version, p.EVR())})
			}
			out[i] = own
		}
		if !found {
			out = append(out, own)
		}
	}
	return out, errs.Err()
}

// dedupHost drops QM files the user's blueprint writes identically (images
// writes the user's), and rejects those it writes differently, naming the
// path and both sources. Entries are compared by their image path.
func dedupHost(host []entry, bp *blueprint.Blueprint, name string) ([]entry, error) {
	if bp == nil || bp.Customizations == nil {
		return host, nil
	}
	user := map[string]blueprint.FileCustomization{}
	for _, f := range bp.Customizations.GetFiles() {
		user[f.Path] = f
	}
	userDirs := map[string]bool{}
	for _, d := range bp.Customizations.GetDirectories() {
		userDirs[d.Path] = true
	}
	var errs rpmspec.Errors
	out := host[:0:0]
	for _, e := range host {
		p := e.file.Path // the image path, also for rootfs entries
		f, ok := user[p]
		switch {
		case userDirs[p] && e.file.Kind == rpmspec.KindDir:
			continue
		case userDirs[p] || (ok && e.file.Kind != rpmspec.KindFile):
			errs = append(errs, &rpmspec.InputError{File: name, Field: "customizations", Msg: fmt.Sprintf("%s: conflicting entries: %s in %s, a %s from qm-build (stage %s)", p, kindOfCustomization(userDirs[p]), name, e.file.Kind, e.file.Stage)})
		case ok && (f.Data != string(e.file.Body) || f.URI != ""):
			errs = append(errs, &rpmspec.InputError{File: name, Field: "customizations.files", Msg: fmt.Sprintf("%s: conflicting content: in %s and from qm-build (stage %s)", p, name, e.file.Stage)})
		case ok:
			continue
		default:
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out, errs.Err()
}

func kindOfCustomization(dir bool) string {
	if dir {
		return "a directory"
	}
	return "a file"
}

// addWants appends names to ws unless already present, keeping order.
func addWants(ws []blueprints.Want, add ...blueprints.Want) []blueprints.Want {
	for _, a := range add {
		dup := false
		for _, w := range ws {
			if w.Name == a.Name {
				dup = true
				break
			}
		}
		if !dup && strings.TrimSpace(a.Name) != "" {
			ws = append(ws, a)
		}
	}
	return ws
}
