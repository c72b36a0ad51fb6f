package main

import (
	"context"
	"fmt"
	"github.com/qm-build/qm-build/cmd/internal/cli"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/selinux"
	"github.com/qm-build/qm-build/stages"
)

const selinuxUsage = `qm-build selinux SUBCOMMAND [flags]

Subcommands:
  policy --out DIR                 write qm.te, qm.if, qm.fc, qm_container_compat.if
                                   and, with the policy tools, qm.pp and qm.pp.bz2
  contexts (--root DIR | --print host|qm|nested)
                                   write QM's SELinux context files into an image
                                   tree, or print one of them
  label-check --root DIR [--file-contexts FC] [--output text|json]
                                   expected (and actual) SELinux labels of a tree

Run 'qm-build selinux SUBCOMMAND --help' for a subcommand's flags.`

func cmdSELinux(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "policy":
			return cmdSELinuxPolicy(ctx, e, args[1:])
		case "contexts":
			return cmdSELinuxContexts(e, args[1:])
		case "label-check":
			return cmdSELinuxLabelCheck(e, args[1:])
		}
	}
	fs := newFlags(e, "selinux", selinuxUsage)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageErrorf("missing subcommand: policy, contexts or label-check (see --help)")
	}
	return usageErrorf("unknown subcommand %q: want policy, contexts or label-check (see --help)", fs.Arg(0))
}

func cmdSELinuxPolicy(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "selinux policy", `qm-build selinux policy --out DIR [--pkg-version V]

Writes the qm SELinux module's sources to DIR and, when make, checkmodule,
bzip2 and /usr/share/selinux/devel/Makefile (selinux-policy-dev) are
installed, compiles qm.pp and qm.pp.bz2. The module version is the package
version. QM_BUILD_SELINUX_MAKEFILE overrides the devel Makefile.`)
	out := cli.OutFlag(fs, "", "output directory (required)")
	version := fs.String("pkg-version", rpmspec.DefaultVersion, "QM package version; the module version equals it")
	cli.Alias(fs, "qm-version", "pkg-version")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q (see --help)", fs.Arg(0))
	}
	if *out == "" {
		return usageErrorf("--out DIR is required")
	}
	epoch, err := e.sourceDateEpoch()
	if err != nil {
		return err
	}
	e.progress("building the qm SELinux module")
	res, err := stages.BuildPolicy(ctx, *version, stages.PolicyOptions{Dir: *out, Epoch: epoch, Makefile: e.getenv(stages.EnvSELinuxMakefile)})
	e.progressDone()
	if err != nil {
		return err
	}
	for _, w := range res.Written {
		fmt.Fprintln(e.stdout, filepath.Join(*out, w.Name))
	}
	if res.NotBuilt != nil {
		fmt.Fprintf(e.stderr, "qm-build selinux policy: qm.pp was not built: %v\n", res.NotBuilt)
	}
	return nil
}

func cmdSELinuxContexts(e *env, args []string) error {
	fs := newFlags(e, "selinux contexts", `qm-build selinux contexts --root DIR
qm-build selinux contexts --print host|qm|nested

--root writes QM's context files into the image tree DIR:
  /usr/share/qm/contexts, /usr/share/qm/file_contexts,
  `+stages.NestedContextsPath+` (podman's contexts inside QM),
  `+stages.QMInsideFileContexts+` (QM's own file_contexts).
--print writes one to stdout: host (qm's lines of the host file_contexts),
qm (the rootfs-relative file_contexts QM uses inside) or nested.`)
	root := fs.String("root", "", "image tree to write into")
	print := fs.String("print", "", "print one file instead: host, qm or nested")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q (see --help)", fs.Arg(0))
	}
	switch {
	case (*root == "") == (*print == ""):
		return usageErrorf("give exactly one of --root DIR and --print host|qm|nested")
	case *print != "":
		body, ok := map[string][]byte{"host": selinux.HostFileContexts(), "qm": selinux.QMFileContexts(), "nested": selinux.NestedContexts()}[*print]
		if !ok {
			return usageErrorf("--print %q: want host, qm or nested", *print)
		}
		_, err := e.stdout.Write(body)
		return err
	}
	epoch, err := e.sourceDateEpoch()
	if err != nil {
		return err
	}
	t, err := rootfs.OpenTree(*root, rootfs.TreeOptions{Epoch: epoch})
	if err != nil {
		return err
	}
	defer t.Close()
	for _, f := range stages.ContextFiles() {
		if err := t.MkdirAll(filepath.Dir(f.Path)); err != nil {
			return fmt.Errorf("creating %s: %w", filepath.Dir(f.Path), err)
		}
		if err := t.Write(f); err != nil {
			return fmt.Errorf("writing %s: %w", f.Path, err)
		}
		fmt.Fprintln(e.stdout, f.Path)
	}
	return nil
}

func cmdSELinuxLabelCheck(e *env, args []string) error {
	fs := newFlags(e, "selinux label-check", `qm-build selinux label-check --root DIR [--file-contexts FC] [--output text|json]

Computes the SELinux context every path under DIR gets from a file_contexts
file, the way libselinux does (setfiles -n -r DIR FC DIR), and, where the
tree carries security.selinux attributes, compares the actual type with the
expected one. Without --file-contexts it uses the tree's own policy
(DIR/etc/selinux/TYPE/contexts/files/file_contexts, TYPE from
DIR/etc/selinux/config, default targeted) with qm's lines appended when the
policy lacks them, or qm's lines alone when the tree has no policy.
Exit status 1 when a label is wrong or missing, 2 for bad input.`)
	root := fs.String("root", "", "image tree to check (required)")
	fcPath := fs.String("file-contexts", "", "file_contexts to use (with its .local, .homedirs, .subs)")
	output := fs.String("output", "text", "output format: text or json")
	all := fs.Bool("all", false, "text output: list every path, not only findings and QM paths")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := outputFormat(*output, "text", "json"); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q (see --help)", fs.Arg(0))
	}
	if *root == "" {
		return usageErrorf("--root DIR is required")
	}
	if fi, err := os.Stat(*root); err != nil || !fi.IsDir() {
		return usageErrorf("--root %s: not a directory", *root)
	}
	fc, src, err := labelCheckContexts(*root, *fcPath)
	if err != nil {
		return err
	}
	e.progress("checking labels under %s", *root)
	r, err := selinux.LabelCheck(*root, fc)
	e.progressDone()
	if err != nil {
		return err
	}
	if *output == "json" {
		err = writeJSON(e.stdout, struct {
			FileContexts string `json:"file_contexts"`
			*selinux.LabelReport
		}{src, r})
	} else {
		err = writeLabelText(e.stdout, r, src, *all)
	}
	if err != nil {
		return err
	}
	if n := r.Findings(); n > 0 {
		return &findingsError{n: n}
	}
	return nil
}

// labelCheckContexts loads --file-contexts, or the tree's policy with qm's
// lines, or qm's lines alone; it returns them and a description.
func labelCheckContexts(root, fcPath string) (*selinux.FileContexts, string, error) {
	if fcPath != "" {
		if _, err := os.Stat(fcPath); err != nil {
			return nil, "", usageErrorf("--file-contexts %s: %v", fcPath, err)
		}
		fc, err := selinux.LoadFileContexts(fcPath)
		return fc, fcPath, err
	}
	qm, err := selinux.ParseFileContexts(strings.NewReader(string(selinux.HostFileContexts())), "qm.fc")
	if err != nil {
		return nil, "", err
	}
	tree := filepath.Join(root, "etc/selinux", treePolicyType(root), "contexts/files/file_contexts")
	if _, err := os.Stat(tree); err != nil {
		return qm, "qm.fc (the tree has no policy file_contexts)", nil
	}
	fc, err := selinux.LoadFileContexts(tree)
	if err != nil {
		return nil, "", err
	}
	if !hasQMLines(fc) {
		fc.Append(qm)
		return fc, tree + " + qm.fc", nil
	}
	return fc, tree, nil
}

func treePolicyType(root string) string {
	b, err := os.ReadFile(filepath.Join(root, "etc/selinux/config"))
	if err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(l), "SELINUXTYPE="); ok && v != "" && !strings.ContainsAny(v, "/.") {
				return v
			}
		}
	}
	return "targeted"
}

func hasQMLines(fc *selinux.FileContexts) bool {
	for _, s := range fc.Specs {
		if strings.Contains(s.Context, ":qm_file_t:") {
			return true
		}
	}
	return false
}

// writeLabelText prints findings and every QM path (or every path with
// --all), then the counts.
func writeLabelText(w io.Writer, r *selinux.LabelReport, src string, all bool) error {
	fmt.Fprintf(w, "file_contexts: %s\n", src)
	if !r.Labeled {
		fmt.Fprintln(w, "the tree carries no security.selinux labels: expected contexts only")
	}
	for _, l := range r.Labels {
		qm := strings.Contains(l.Expected, ":qm_") || strings.Contains(l.Expected, ":ipc_")
		if !all && !qm && l.Status != selinux.StatusWrongType && l.Status != selinux.StatusUnlabeled {
			continue
		}
		exp := l.Expected
		if exp == "" {
			exp = "<none>"
		}
		line := fmt.Sprintf("%-10s %s\t%s", l.Status, l.Path, exp)
		if l.Actual != "" && l.Status != selinux.StatusOK {
			line += "\tactual " + l.Actual
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	keys := make([]string, 0, len(r.Counts))
	for k := range r.Counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, r.Counts[k])
	}
	_, err := fmt.Fprintf(w, "%d paths: %s\n", len(r.Labels), strings.Join(parts, ", "))
	return err
}
