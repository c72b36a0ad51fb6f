package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/qm-build/qm-build/rootfs"
)

// dropinInfo is one catalog entry as `qm-build dropins --output json` prints it.
type dropinInfo struct {
	Name           string            `json:"name"`
	Package        string            `json:"package"`
	Summary        string            `json:"summary"`
	Legacy         []string          `json:"legacy,omitempty"`
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
each drop-in's name, package, summary, the legacy package names it provides,
the drop-ins it needs, its devices, its image keys (for --image KEY=REF) and
the files its package installs.`)
	fs.StringArrayVar(&pf.DropinDirs, "dropin-dir", nil, "directory of user drop-in *.yaml files to list too (repeatable)")
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
	pf.O.Dropins = []string{"all"}
	plan, err := pf.Plan(e.getenv)
	if err != nil {
		return err
	}
	content, err := rootfs.Compose(plan, rootfs.Facts{})
	if err != nil {
		return err
	}
	infos := make([]dropinInfo, 0, len(plan.Selected))
	for _, d := range plan.Selected {
		info := dropinInfo{
			Name: d.Name, Package: d.PackageName(), Summary: d.Summary,
			Legacy: d.Legacy, Needs: d.Needs, QMDevices: d.Devices.QM, NestedDevices: d.Devices.Nested,
			Images: d.Images, RootfsPackages: d.RootfsPackages, Files: []string{}, Source: d.Source,
		}
		if p := content.Package(d.PackageName()); p != nil {
			for _, f := range p.SortedFiles() {
				info.Files = append(info.Files, f.Path)
			}
		}
		infos = append(infos, info)
	}
	if *output == "json" {
		return writeJSON(e.stdout, infos)
	}
	printDropins(e.stdout, infos)
	return nil
}

func printDropins(w io.Writer, infos []dropinInfo) {
	for i, d := range infos {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s (%s): %s\n", d.Name, d.Package, d.Summary)
		line := func(label string, items []string) {
			if len(items) > 0 {
				fmt.Fprintf(w, "  %-8s %s\n", label+":", strings.Join(items, ", "))
			}
		}
		line("legacy", d.Legacy)
		line("needs", d.Needs)
		line("devices", d.QMDevices)
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
