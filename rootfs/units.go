package rootfs

import (
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/qm-build/qm-build/rootfs/unitfile"
	"github.com/qm-build/qm-build/rpmspec"
)

// Where a drop-in's enabled units are enabled inside QM: QM's /etc is the
// host's /etc/qm, and QM's presets live in its rootfs.
const (
	QMUnitEtcDir   = QMEtc + "/systemd/system"
	QMPresetDir    = QMRootfs + "/usr/lib/systemd/system-preset"
	presetPriority = "50"
)

// enabledUnits are the files that enable a drop-in's units (Dropin.Enable)
// inside QM as `systemctl preset` would: a preset file naming them, for
// `systemctl preset-all` inside QM, and, since an image is never booted
// before it ships, the links their [Install] sections ask for in QM's
// /etc/systemd/system (WantedBy=, RequiredBy=, Alias=), pointing at the
// units as QM sees them.
func enabledUnits(d *rpmspec.Dropin, files []rpmspec.File) ([]rpmspec.File, error) {
	if len(d.Enable) == 0 {
		return nil, nil
	}
	origin := d.Source
	var preset strings.Builder
	preset.WriteString("# From " + d.PackageName() + ": the units it starts inside QM.\n")
	var out []rpmspec.File
	dirs := map[string]bool{}
	for _, u := range d.Enable {
		preset.WriteString("enable " + u + "\n")
		f, ok := unitFile(files, u)
		if !ok {
			continue // the catalog parser checks that each unit is declared
		}
		uf, err := unitfile.ParseBytes(f.Body, f.Origin)
		if err != nil {
			return nil, err
		}
		for _, l := range installLinks(uf, u) {
			target := linkTarget(l, f.Path)
			parent := path.Dir(l)
			if !dirs[parent] && parent != QMUnitEtcDir {
				dirs[parent] = true
				out = append(out, dir(parent, 0o755, origin))
			}
			out = append(out, rpmspec.File{Path: l, Kind: rpmspec.KindSymlink, Mode: 0o777, Target: target, Origin: origin})
		}
	}
	out = append(out, file(path.Join(QMPresetDir, presetPriority+"-"+d.PackageName()+".preset"), 0o644, []byte(preset.String()), origin))
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

func unitFile(files []rpmspec.File, unit string) (rpmspec.File, bool) {
	for _, f := range files {
		for _, d := range rpmspec.QMUnitDirs {
			if f.Path == d+"/"+unit && f.Kind == rpmspec.KindFile {
				return f, true
			}
		}
	}
	return rpmspec.File{}, false
}

// linkTarget is what an enablement link at host path link points at: a unit
// in QM's /etc (host /etc/qm) relatively, so that the link stays inside
// /etc/qm seen from the host too (a host process following it must not reach
// the host's /etc); a unit in QM's rootfs by its absolute path inside QM,
// /usr/lib/systemd/system/UNIT, as `systemctl enable` writes it.
func linkTarget(link, unit string) string {
	if strings.HasPrefix(unit, QMEtc+"/") {
		if rel, err := filepath.Rel(path.Dir(link), unit); err == nil {
			return rel
		}
	}
	return QMView(unit)
}

// installLinks are the host paths of the links `systemctl enable` makes for
// a unit's [Install] section (systemd.unit(5)): TARGET.wants/UNIT for each
// WantedBy=, TARGET.requires/UNIT for each RequiredBy=, and ALIAS for each
// Alias=, all in QM's /etc/systemd/system.
func installLinks(u *unitfile.File, unit string) []string {
	var out []string
	for _, k := range []struct{ key, suffix string }{{"WantedBy", ".wants"}, {"RequiredBy", ".requires"}} {
		for _, v := range u.LookupAll("Install", k.key) {
			for _, t := range strings.Fields(v) {
				out = append(out, path.Join(QMUnitEtcDir, t+k.suffix, unit))
			}
		}
	}
	for _, v := range u.LookupAll("Install", "Alias") {
		for _, a := range strings.Fields(v) {
			out = append(out, path.Join(QMUnitEtcDir, a))
		}
	}
	return out
}

// QMView is the path a host path of QM's trees has inside QM: the rootfs is
// QM's /, /etc/qm its /etc and /var/qm its /var. Other paths are returned as
// they are.
func QMView(p string) string {
	for _, m := range []struct{ host, qm string }{{QMRootfs, "/"}, {QMEtc, "/etc"}, {QMVar, "/var"}} {
		if p == m.host {
			return m.qm
		}
		if rest, ok := strings.CutPrefix(p, m.host+"/"); ok {
			return path.Join(m.qm, rest)
		}
	}
	return p
}
