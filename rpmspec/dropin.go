package rpmspec

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"text/template"
)

// Dropin is one optional QM sub-package, as declared in a catalog file. From it
// the emitters derive the qm-<name> package, the quadlet drop-in that adds its
// devices to QM, the nested containers.conf drop-in, the manifest's rootfs
// packages, the blueprint's package list and the checker's device allow-list.
type Dropin struct {
	Name        string   // short name: kvm, sound, img-tempdir
	Summary     string   // one line
	Description string   // paragraph(s)
	Legacy      []string // older package names users still type, provided by qm-<name>
	Needs       []string // other drop-ins this one requires (short names)
	Devices     Devices
	// Images are the container images the drop-in's nested quadlets run, by key.
	// Templates reference them as {{ image "key" }}; users override them.
	Images map[string]string
	// RootfsPackages are installed inside QM's rootfs by image pipelines (the
	// manifest's qm_rootfs pipeline), not by this package.
	RootfsPackages []string
	Files          []DropinFile

	Source string // the file it was loaded from ("catalog/kvm.yaml")
	Line   int    // the line of its name
}

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
func (d *Dropin) PackageName() string { return PackageNameFor(d.Name) }

// PackageNameFor returns the RPM name for a drop-in short name.
func PackageNameFor(short string) string { return "qm-" + short }

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
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return nil, &InputError{File: fileOf(df.Origin), Line: df.Line, Field: "template", Msg: err.Error()}
	}
	return b.Bytes(), nil
}

func fileOf(origin string) string {
	if i := strings.LastIndexByte(origin, ':'); i > 0 {
		return origin[:i]
	}
	return origin
}

// Catalog is the set of known drop-ins: the built-in ones plus any user
// drop-ins added from directories.
type Catalog struct {
	byName map[string]*Dropin
}

// NewCatalog returns a catalog of the given drop-ins, rejecting duplicates.
func NewCatalog(ds ...*Dropin) (*Catalog, error) {
	c := &Catalog{byName: map[string]*Dropin{}}
	if err := c.add(ds); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Catalog) add(ds []*Dropin) error {
	var errs Errors
	for _, d := range ds {
		if prev, ok := c.byName[d.Name]; ok {
			errs.add(d.Source, d.Line, "name", "drop-in %q is already defined in %s", d.Name, prev.Source)
			continue
		}
		c.byName[d.Name] = d
	}
	for _, d := range ds {
		for _, n := range d.Needs {
			if _, ok := c.byName[n]; !ok {
				errs.add(d.Source, d.Line, "needs", "unknown drop-in %q (known: %s)", n, strings.Join(c.Names(), ", "))
			}
		}
	}
	return errs.Err()
}

// Names lists the drop-ins' short names, sorted.
func (c *Catalog) Names() []string {
	out := make([]string, 0, len(c.byName))
	for n := range c.byName {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Get returns a drop-in by short name.
func (c *Catalog) Get(name string) (*Dropin, bool) {
	d, ok := c.byName[name]
	return d, ok
}

// All returns every drop-in, sorted by name.
func (c *Catalog) All() []*Dropin {
	out := make([]*Dropin, 0, len(c.byName))
	for _, n := range c.Names() {
		out = append(out, c.byName[n])
	}
	return out
}

// Select resolves the names given to --dropin (each may be a comma-separated
// list; "all" selects every drop-in) to drop-ins, adding those they need. The
// result is sorted by name and has no duplicates. An unknown name is an error
// that lists the known ones.
func (c *Catalog) Select(names []string) ([]*Dropin, error) {
	want := map[string]bool{}
	var errs Errors
	for _, arg := range names {
		for _, n := range strings.Split(arg, ",") {
			n = strings.TrimSpace(n)
			switch {
			case n == "":
				continue
			case n == "all":
				for name := range c.byName {
					want[name] = true
				}
			default:
				if _, ok := c.byName[n]; !ok {
					errs.add("", 0, "dropins", "unknown drop-in %q; known drop-ins: %s, all", n, strings.Join(c.Names(), ", "))
					continue
				}
				want[n] = true
			}
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	// Close over Needs.
	for changed := true; changed; {
		changed = false
		for n := range want {
			for _, need := range c.byName[n].Needs {
				if !want[need] {
					want[need] = true
					changed = true
				}
			}
		}
	}
	out := make([]*Dropin, 0, len(want))
	for _, n := range c.Names() {
		if want[n] {
			out = append(out, c.byName[n])
		}
	}
	return out, nil
}
