package rpmspec

import (
	"errors"
	"fmt"
	"strings"
	"text/template"
)

// Dropin is one optional QM sub-package, as declared in a catalog file. From it
// the emitters derive the package (qm-<name>, or the name upstream gives it),
// the quadlet drop-in that adds its devices and annotations to QM, the nested
// containers.conf drop-in, the manifest's rootfs packages, the blueprint's
// package list and the checker's device allow-list.
type Dropin struct {
	Name string // short name: kvm, sound, img-tempdir
	// Package is the RPM name when it is not qm-<name>: upstream's names
	// (qm-mount-bind-video) are kept, so that upstream's and qm-build's
	// packages replace each other.
	Package string
	// Version is the package's own version when upstream versions it apart
	// from qm (qm-oci-hooks, qm-wayland); "" means QM's version.
	Version     string
	Summary     string   // one line
	Description string   // paragraph(s)
	Legacy      []string // older package names users still type, provided by the package
	// Status is StatusCurrent for a package upstream ships today and
	// StatusLegacy for one upstream has removed; qm-build keeps legacy
	// drop-ins available and says so in `qm-build dropins`.
	Status string
	// Note says why a legacy drop-in is legacy and what replaced it.
	Note    string
	Needs   []string // other drop-ins this one requires (short names)
	Devices Devices
	// Annotations are set on QM's container (quadlet Annotation=KEY=VALUE in
	// the drop-in's qm.container.d file). Each names devices that QM's OCI
	// hooks add when the container is created (rootfs/ocihooks), so the
	// package requires the package that ships the hooks.
	Annotations []Annotation
	// Images are the container images the drop-in's nested quadlets run, by key.
	// Templates reference them as {{ image "key" }}; users override them.
	Images map[string]string
	// NestedImages bake images into QM's store at build time, by image key
	// of Images: TRANSPORT:PATH[:TAG] of a local OCI layout, OCI archive or
	// docker archive, a relative PATH being relative to the declaration's
	// directory (rootfs.ParseNestedSource; docs/nested-images.md).
	NestedImages []NestedImageDecl
	// RootfsPackages are installed inside QM's rootfs by image pipelines (the
	// manifest's qm_rootfs pipeline), not by this package.
	RootfsPackages []string
	// Requires and Recommends are relations of the package besides qm, its
	// needs and the hook package, e.g. "systemd".
	Requires   Relations
	Recommends Relations
	// Enable names systemd units among the drop-in's files that QM's systemd
	// starts: the package carries a preset for them and the enablement links
	// their [Install] sections ask for, as `systemctl preset` would make them.
	Enable []string
	// HookProgram says the package ships QM's OCI hook program and its
	// hooks.d configuration (rootfs/ocihooks). The program is built per
	// architecture, so such a package is not noarch.
	HookProgram bool
	Files       []DropinFile

	Source string // the file it was loaded from ("catalog/kvm.yaml")
	Line   int    // the line of its name
}

// NestedImageDecl is one nested-images entry of a declaration.
type NestedImageDecl struct {
	Key, Source string
	Line        int
}

// Drop-in statuses.
const (
	StatusCurrent = "current" // upstream ships the package today
	StatusLegacy  = "legacy"  // upstream removed it; qm-build keeps it
)

// Annotation is one KEY=VALUE annotation of QM's container.
type Annotation struct {
	Key, Value string
	Line       int // where the catalog file declares it
}

func (a Annotation) String() string { return a.Key + "=" + a.Value }

// Devices are the host devices a drop-in makes available.
type Devices struct {
	// QM devices are added to the QM container with quadlet AddDevice=-/dev/X in
	// /etc/containers/systemd/qm.container.d/<name>.conf; '-' makes each optional.
	QM []string
	// Nested devices are added to containers inside QM through
	// /etc/qm/containers/containers.conf.d/<name>.conf.
	Nested []string
}

// DropinFile is a File declared by a drop-in, whose Body may be a template.
type DropinFile struct {
	File
	// Template is true when Body is a text/template rendered with TemplateData.
	Template bool
	Line     int
}

// PackageName is the drop-in's RPM name.
func (d *Dropin) PackageName() string {
	if d.Package != "" {
		return d.Package
	}
	return PackageNameFor(d.Name)
}

// PackageNameFor returns the default RPM name for a drop-in short name.
func PackageNameFor(short string) string { return "qm-" + short }

// IsLegacy reports whether upstream no longer ships the drop-in.
func (d *Dropin) IsLegacy() bool { return d.Status == StatusLegacy }

// PackageVersion is the drop-in package's version: its own, else qm's.
func (d *Dropin) PackageVersion(qmVersion string) string {
	if d.Version != "" {
		return d.Version
	}
	return qmVersion
}

// TemplateData is what drop-in file templates see.
type TemplateData struct {
	Name    string // the drop-in's short name
	Version string
	Release string
	// Images resolves {{ image "key" }}: the drop-in's defaults overridden by the
	// plan.
	Images map[string]string
}

// RenderFiles renders the drop-in's files for a plan.
func (d *Dropin) RenderFiles(data TemplateData) ([]File, error) {
	data.Name = d.Name
	images := map[string]string{}
	for k, v := range d.Images {
		images[k] = v
	}
	for k, v := range data.Images {
		if _, ok := d.Images[k]; ok {
			images[k] = v
		}
	}
	out := make([]File, 0, len(d.Files))
	for _, df := range d.Files {
		f := df.File
		if df.Template {
			body, err := renderTemplate(df, data, images)
			if err != nil {
				return nil, err
			}
			f.Body = body
		}
		out = append(out, f)
	}
	return out, nil
}

func renderTemplate(df DropinFile, data TemplateData, images map[string]string) ([]byte, error) {
	funcs := template.FuncMap{
		"image": func(key string) (string, error) {
			v, ok := images[key]
			if !ok {
				return "", fmt.Errorf("no image %q declared (declare it under images:)", key)
			}
			return v, nil
		},
	}
	t, err := template.New(df.Path).Funcs(funcs).Option("missingkey=error").Parse(string(df.Body))
	if err != nil {
		return nil, &InputError{File: fileOf(df.Origin), Line: df.Line, Field: "template", Msg: err.Error()}
	}
	if err := checkTemplate(t); err != nil {
		return nil, &InputError{File: fileOf(df.Origin), Line: df.Line, Field: "template", Msg: err.Error()}
	}
	b := &limitedBuffer{max: MaxTemplateOutput}
	if err := t.Execute(b, data); err != nil {
		if errors.Is(err, errTemplateOutput) {
			err = errTemplateOutput
		}
		return nil, &InputError{File: fileOf(df.Origin), Line: df.Line, Field: "template", Msg: err.Error()}
	}
	return b.buf, nil
}

func fileOf(origin string) string {
	if i := strings.LastIndexByte(origin, ':'); i > 0 {
		return origin[:i]
	}
	return origin
}
