package rootfs

import (
	"encoding/json"
	"path"
	"sort"

	"github.com/qm-build/qm-build/rpmspec"
)

// Paths a drop-in package derives from its declaration.
const (
	NestedConfDropinDir  = rpmspec.QMEtc + "/containers/containers.conf.d"
	NestedQuadletDir     = rpmspec.QMEtc + "/containers/systemd"
	DropinDeclarationDir = rpmspec.QMShare + "/dropins"
)

// dropinPackage derives qm-<name> from a drop-in declaration: its relations,
// the quadlet drop-in that adds its devices to QM, the nested containers.conf
// drop-in, its declared files and a copy of the declaration for the checker.
func dropinPackage(p *Plan, d *rpmspec.Dropin) (*rpmspec.Package, error) {
	pkg := newPackage(p, d.PackageName(), d.Summary, d.Description)
	pkg.Dropin = d.Name
	pkg.Requires.Add(qmEVR(p))
	for _, n := range d.Needs {
		pkg.Requires.Add(rpmspec.Relation{Name: rpmspec.PackageNameFor(n), Op: "=", Version: rpmspec.EVR(p.Version, p.Release)})
	}
	for _, l := range d.Legacy {
		pkg.Provides.Add(rpmspec.Relation{Name: l, Op: "=", Version: rpmspec.EVR(p.Version, p.Release)})
		pkg.Obsoletes.Add(rpmspec.Relation{Name: l, Op: "<", Version: rpmspec.EVR(p.Version, p.Release)})
	}
	origin := d.Source
	if len(d.Devices.QM) > 0 {
		pkg.Files = append(pkg.Files, configFile(path.Join(rpmspec.QuadletDropinDir, d.Name+".conf"), QuadletDevicesDropin(d.Name, d.Devices.QM), origin))
	}
	if len(d.Devices.Nested) > 0 {
		pkg.Files = append(pkg.Files, configFile(path.Join(NestedConfDropinDir, d.Name+".conf"), NestedDevicesConf(d.Name, d.Devices.Nested), origin))
	}
	files, err := d.RenderFiles(rpmspec.TemplateData{Version: p.Version, Release: p.Release, Images: p.Images})
	if err != nil {
		return nil, err
	}
	pkg.Files = append(pkg.Files, files...)
	decl, err := DeclarationJSON(d)
	if err != nil {
		return nil, err
	}
	pkg.Files = append(pkg.Files, file(path.Join(DropinDeclarationDir, d.Name+".json"), 0o644, decl, origin))
	return pkg, nil
}

// Declaration is what an installed drop-in says about itself, in
// /usr/share/qm/dropins/<name>.json. The offline checker reads it from an
// image to learn which devices each installed drop-in may add.
type Declaration struct {
	Name           string   `json:"name"`
	Package        string   `json:"package"`
	QMDevices      []string `json:"qm-devices,omitempty"`
	NestedDevices  []string `json:"nested-devices,omitempty"`
	Needs          []string `json:"needs,omitempty"`
	RootfsPackages []string `json:"rootfs-packages,omitempty"`
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
