package rootfs

import (
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/qm-build/qm-build/rpmspec"
)

// Paths a drop-in package derives from its declaration.
const (
	QuadletDropinDir     = "/etc/containers/systemd/qm.container.d"
	NestedConfDropinDir  = "/etc/qm/containers/containers.conf.d"
	NestedQuadletDir     = "/etc/qm/containers/systemd"
	DropinDeclarationDir = "/usr/share/qm/dropins"
)

// dropinPackage derives a drop-in's package from its declaration: its
// version and relations, the quadlet drop-in that adds its devices and
// annotations to QM, the nested containers.conf drop-in, its declared files,
// the preset and enablement links of the units it enables, and a copy of the
// declaration for the checker. The hook program's package (HookProgram)
// carries the program too and has its architecture; without the program it
// is not composed (nil, nil).
func dropinPackage(p *Plan, f Facts, d *rpmspec.Dropin) (*rpmspec.Package, error) {
	pkg := newPackage(p, d.PackageName(), d.Summary, d.Description)
	pkg.Version = d.PackageVersion(p.Version)
	pkg.Dropin = d.Name
	// A noarch drop-in comes from qm's spec (rpmspec.Spec), whatever its own
	// version; the hook package, built per architecture, from a spec of its
	// own.
	pkg.SourceRPM = fmt.Sprintf("qm-%s.src.rpm", rpmspec.EVR(p.Version, p.Release))
	if err := dropinRelations(p, d, pkg); err != nil {
		return nil, err
	}
	origin := d.Source
	if len(d.Devices.QM) > 0 || len(d.Annotations) > 0 {
		pkg.Files = append(pkg.Files, configFile(path.Join(QuadletDropinDir, d.Name+".conf"), QuadletDevicesDropin(d), origin))
	}
	if len(d.Devices.Nested) > 0 {
		pkg.Files = append(pkg.Files, configFile(path.Join(NestedConfDropinDir, d.Name+".conf"), NestedDevicesConf(d.PackageName(), d.Devices.Nested), origin))
	}
	files, err := d.RenderFiles(rpmspec.TemplateData{Version: pkg.Version, Release: p.Release, Images: p.Images})
	if err != nil {
		return nil, err
	}
	pkg.Files = append(pkg.Files, files...)
	units, err := enabledUnits(d, files)
	if err != nil {
		return nil, err
	}
	pkg.Files = append(pkg.Files, units...)
	pkg.Files = append(pkg.Files, rootfsDirs(pkg.Files, origin)...)
	if d.HookProgram {
		hook, arch, err := hookFiles(p, f)
		if err != nil || hook == nil {
			return nil, err
		}
		pkg.Files = append(pkg.Files, hook...)
		pkg.Arch = arch
		pkg.SourceRPM = fmt.Sprintf("%s-%s.src.rpm", pkg.Name, pkg.EVR())
	}
	decl, err := DeclarationJSON(d)
	if err != nil {
		return nil, err
	}
	pkg.Files = append(pkg.Files, file(path.Join(DropinDeclarationDir, d.Name+".json"), 0o644, decl, origin))
	return pkg, nil
}

// rootfsDirs are the directories of QM's rootfs mount point a package with
// files inside it owns too, with qm's modes (qm owns them as %ghost): rpm
// creates a missing parent with mode 0755, which would change QM's read-only
// 0555 mount point in a root the image build has not filled yet.
func rootfsDirs(files []rpmspec.File, origin string) []rpmspec.File {
	for _, f := range files {
		if f.Path == QMRootfs {
			return nil
		}
	}
	for _, f := range files {
		if strings.HasPrefix(f.Path, QMRootfs+"/") {
			return []rpmspec.File{dir("/usr/lib/qm", 0o755, origin), dir(QMRootfs, 0o555, origin)}
		}
	}
	return nil
}

// dropinRelations sets a drop-in package's relations as upstream's
// packages have them: qm at least as new as the qm built with it (upstream
// requires qm >= VERSION; qm-build, which builds the set together, adds the
// release), the hook package excepted, which works without qm; each package
// it needs, at least as new; the hook package when it sets annotations; its
// own requires and recommends; and its legacy names provided and obsoleted.
func dropinRelations(p *Plan, d *rpmspec.Dropin, pkg *rpmspec.Package) error {
	if !d.HookProgram {
		pkg.Requires.Add(rpmspec.Relation{Name: "qm", Op: ">=", Version: rpmspec.EVR(p.Version, p.Release)})
	}
	for _, n := range d.Needs {
		need, ok := p.Catalog.Get(n)
		if !ok {
			return fmt.Errorf("drop-in %s needs %q, which the catalog does not have", d.Name, n)
		}
		pkg.Requires.Add(rpmspec.Relation{Name: need.PackageName(), Op: ">=", Version: rpmspec.EVR(need.PackageVersion(p.Version), p.Release)})
	}
	if len(d.Annotations) > 0 {
		hooks, err := HookDropin(p.Catalog)
		if err != nil {
			return &rpmspec.InputError{File: d.Source, Line: d.Annotations[0].Line, Field: "annotations", Msg: err.Error()}
		}
		pkg.Requires.Add(rpmspec.Relation{Name: hooks.PackageName()})
	}
	for _, r := range d.Requires {
		pkg.Requires.Add(r)
	}
	for _, r := range d.Recommends {
		pkg.Recommends.Add(r)
	}
	for _, l := range d.Legacy {
		pkg.Provides.Add(rpmspec.Relation{Name: l, Op: "=", Version: pkg.EVR()})
		pkg.Obsoletes.Add(rpmspec.Relation{Name: l, Op: "<", Version: pkg.EVR()})
	}
	return nil
}

// HookDropin is the catalog's drop-in that ships the OCI hook program, which
// every drop-in that sets annotations requires.
func HookDropin(cat *rpmspec.Catalog) (*rpmspec.Dropin, error) {
	for _, d := range cat.All() {
		if d.HookProgram {
			return d, nil
		}
	}
	return nil, fmt.Errorf("annotations need the package of QM's OCI hooks, and no drop-in of the catalog ships them (hook-program: true)")
}

// Declaration is what an installed drop-in says about itself, in
// /usr/share/qm/dropins/<name>.json. The offline checker reads it from an
// image to learn which devices each installed drop-in may add, directly
// (qm-devices) or through QM's OCI hooks (annotations).
type Declaration struct {
	Name           string            `json:"name"`
	Package        string            `json:"package"`
	QMDevices      []string          `json:"qm-devices,omitempty"`
	NestedDevices  []string          `json:"nested-devices,omitempty"`
	Annotations    map[string]string `json:"annotations,omitempty"`
	Needs          []string          `json:"needs,omitempty"`
	RootfsPackages []string          `json:"rootfs-packages,omitempty"`
}

// DeclarationJSON renders a drop-in's declaration, deterministically.
func DeclarationJSON(d *rpmspec.Dropin) ([]byte, error) {
	decl := Declaration{
		Name:           d.Name,
		Package:        d.PackageName(),
		QMDevices:      sorted(d.Devices.QM),
		NestedDevices:  sorted(d.Devices.Nested),
		Needs:          sorted(d.Needs),
		RootfsPackages: sorted(d.RootfsPackages),
	}
	if len(d.Annotations) > 0 {
		decl.Annotations = map[string]string{}
		for _, a := range d.Annotations {
			decl.Annotations[a.Key] = a.Value
		}
	}
	b, err := json.MarshalIndent(decl, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

func sorted(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}
