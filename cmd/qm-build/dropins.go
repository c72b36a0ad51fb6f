package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
)

// dropinInfo is one catalog entry as `qm-build dropins --output json` prints it.
type dropinInfo struct {
	Name    string `json:"name"`
	Package string `json:"package"`
	// Version is the package's own version, for packages upstream versions
	// apart from qm; "" means qm's.
	Version string `json:"version,omitempty"`
	// Arch is "noarch", or "per-architecture" for the hook package.
	Arch string `json:"arch"`
	// Status is "current" (upstream ships the package) or "legacy"
	// (upstream removed it; Note says why).
	Status         string            `json:"status"`
	Note           string            `json:"note,omitempty"`
	Summary        string            `json:"summary"`
	Legacy         []string          `json:"legacy,omitempty"`
	Annotations    map[string]string `json:"annotations,omitempty"`
	Needs          []string          `json:"needs,omitempty"`
	QMDevices      []string          `json:"qm-devices,omitempty"`
	NestedDevices  []string          `json:"nested-devices,omitempty"`
	Images         map[string]string `json:"images,omitempty"`
	RootfsPackages []string          `json:"rootfs-packages,omitempty"`
	Files          []string          `json:"files"`
	Source         string            `json:"source"`
}

func cmdDropins(ctx context.Context, e *env, args []string) error {
	var pf planFlags
	fs := newFlags(e, "dropins", `qm-build dropins [--dropin-dir DIR]... [--output text|json]

Lists the drop-in catalog (built in, plus user drop-ins from --dropin-dir):
each drop-in's name, package (and version, when upstream versions it apart
from qm), whether it is current or legacy (upstream removed it; qm-build keeps
it), its summary, the legacy package names it provides, the drop-ins it
needs, its devices, the annotations it sets on QM (devices from
qm-oci-hooks), its image keys (for --image KEY=REF) and the files its package
installs.`)
	fs.StringArrayVar(&pf.dropinDirs, "dropin-dir", nil, "directory of user drop-in *.yaml files to list too (repeatable)")
	output := fs.String("output", "text", "text or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q (see --help)", fs.Arg(0))
	}
	if err := outputFormat(*output, "text", "json"); err != nil {
		return err
	}
	pf.o.Dropins = []string{"all"}
	plan, err := pf.plan(e)
	if err != nil {
		return err
	}
	content, err := rootfs.Compose(plan, rootfs.Facts{})
	if err != nil {
		return err
	}
	infos := make([]dropinInfo, 0, len(plan.Dropins))
	for _, d := range plan.Dropins {
		infos = append(infos, infoOf(d, content))
	}
	if *output == "json" {
		return writeJSON(e.stdout, infos)
	}
	printDropins(e.stdout, infos)
	return nil
}

// infoOf describes a drop-in: the model, and the files of the package the
// catalog composes (the hook package's listed without its program, which
// `dropins` is not given).
func infoOf(d *rpmspec.Dropin, content *rootfs.Content) dropinInfo {
	info := dropinInfo{
		Name: d.Name, Package: d.PackageName(), Version: d.Version, Arch: "noarch", Status: d.Status, Note: d.Note,
		Summary: d.Summary, Legacy: d.Legacy, Needs: d.Needs, QMDevices: d.Devices.QM, NestedDevices: d.Devices.Nested,
		Images: d.Images, RootfsPackages: d.RootfsPackages, Files: []string{}, Source: d.Source,
	}
	if d.HookProgram {
		info.Arch = "per-architecture"
	}
	if len(d.Annotations) > 0 {
		info.Annotations = map[string]string{}
		for _, a := range d.Annotations {
			info.Annotations[a.Key] = a.Value
		}
	}
	var files []rpmspec.File
	if p := content.Package(d.PackageName()); p != nil {
		files = p.SortedFiles()
	} else if d.HookProgram {
		p := &rpmspec.Package{Files: append(rootfs.HookPackageFiles(nil), rpmspec.File{Path: path.Join(rootfs.DropinDeclarationDir, d.Name+".json")})}
		files = p.SortedFiles()
	}
	for _, f := range files {
		info.Files = append(info.Files, f.Path)
	}
	return info
}

func printDropins(w io.Writer, infos []dropinInfo) {
	for i, d := range infos {
		if i > 0 {
			fmt.Fprintln(w)
		}
		version := ""
		if d.Version != "" {
			version = " " + d.Version
		}
		marker := ""
		if d.Status == rpmspec.StatusLegacy {
			marker = " [legacy]"
		}
		fmt.Fprintf(w, "%s (%s%s)%s: %s\n", d.Name, d.Package, version, marker, d.Summary)
		line := func(label string, items []string) {
			if len(items) > 0 {
				fmt.Fprintf(w, "  %-8s %s\n", label+":", strings.Join(items, ", "))
			}
		}
		if d.Status == rpmspec.StatusLegacy {
			line("status", []string{"legacy: " + d.Note})
		}
		if d.Arch != "noarch" {
			line("arch", []string{d.Arch + " (--hook-binary)"})
		}
		line("legacy", d.Legacy)
		line("needs", d.Needs)
		line("devices", d.QMDevices)
		var annotations []string
		for _, k := range slices.Sorted(maps.Keys(d.Annotations)) {
			annotations = append(annotations, k+"="+d.Annotations[k])
		}
		line("annotate", annotations)
		line("nested", d.NestedDevices)
		keys := make([]string, 0, len(d.Images))
		for k := range d.Images {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for j, k := range keys {
			keys[j] = k + "=" + d.Images[k]
		}
		line("images", keys)
		line("rootfs", d.RootfsPackages)
		for j, f := range d.Files {
			label := ""
			if j == 0 {
				label = "files:"
			}
			fmt.Fprintf(w, "  %-8s %s\n", label, f)
		}
	}
}
