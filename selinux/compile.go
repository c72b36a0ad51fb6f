package selinux

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// DevelMakefile is where selinux-policy-dev (Debian) and
// selinux-policy-devel (Fedora) install refpolicy's module Makefile.
const DevelMakefile = "/usr/share/selinux/devel/Makefile"

// Tools are the programs a module build runs.
type Tools struct {
	Make          string // make
	DevelMakefile string // refpolicy's devel Makefile
	Checkmodule   string // checkmodule, run by the Makefile
	Bzip2         string // bzip2
}

// ErrNoTools means the policy tools are not installed; the build goes on
// without qm.pp.
var ErrNoTools = errors.New("SELinux policy tools not found")

// FindTools looks the tools up with lookPath (exec.LookPath) and the devel
// Makefile with stat (os.Stat). When any is missing it returns an error
// wrapping ErrNoTools that names what is missing and the package that has it.
func FindTools(lookPath func(string) (string, error), stat func(string) (os.FileInfo, error), develMakefile string) (Tools, error) {
	t := Tools{DevelMakefile: develMakefile}
	var missing []string
	for _, x := range []struct {
		dst       *string
		name, pkg string
	}{{&t.Make, "make", "make"}, {&t.Checkmodule, "checkmodule", "checkpolicy"}, {&t.Bzip2, "bzip2", "bzip2"}} {
		p, err := lookPath(x.name)
		if err != nil {
			missing = append(missing, fmt.Sprintf("%s (package %s)", x.name, x.pkg))
			continue
		}
		*x.dst = p
	}
	if _, err := stat(develMakefile); err != nil {
		missing = append(missing, fmt.Sprintf("%s (package selinux-policy-dev, or selinux-policy-devel on Fedora)", develMakefile))
	}
	if len(missing) > 0 {
		return t, fmt.Errorf("%w: missing %s", ErrNoTools, strings.Join(missing, ", "))
	}
	return t, nil
}

// Compile builds qm.pp in a scratch directory from the files of Sources with
// `make -f DEVEL_MAKEFILE qm.pp`, adding qm_container_compat.if to the
// interfaces the Makefile reads (its detected_ifs variable). It returns the
// .pp bytes; checkmodule's messages are in the error when it fails. The
// Makefile's tmp/ stays in the scratch directory, which is removed.
func Compile(ctx context.Context, srcs []SourceFile, t Tools) ([]byte, error) {
	dir, err := os.MkdirTemp("", "qm-selinux-")
	if err != nil {
		return nil, fmt.Errorf("compiling the qm module: %w", err)
	}
	defer os.RemoveAll(dir)
	for _, s := range srcs {
		if err := os.WriteFile(filepath.Join(dir, s.Name), s.Data, 0o644); err != nil {
			return nil, fmt.Errorf("writing %s: %w", s.Name, err)
		}
	}
	cmd := exec.CommandContext(ctx, t.Make, "-f", t.DevelMakefile, PolicyPackage,
		"detected_ifs="+IFFile+" "+CompatIFFile)
	cmd.Dir = dir
	// A fixed environment: the Makefile reads nothing else that matters, and
	// make must not pick up MAKEFLAGS from a calling make.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C"}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("compiling the qm module: %w\n%s", err, strings.TrimSpace(out.String()))
	}
	pp, err := os.ReadFile(filepath.Join(dir, PolicyPackage))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", PolicyPackage, err)
	}
	return pp, nil
}

// Bzip2 compresses data with `bzip2 -9`, as Fedora's packages ship modules.
// bzip2's output depends only on its input (no name or time in the stream).
func Bzip2(ctx context.Context, t Tools, data []byte) ([]byte, error) {
	cmd := exec.CommandContext(ctx, t.Bzip2, "-9", "-c")
	cmd.Stdin = bytes.NewReader(data)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("compressing %s: %w: %s", PolicyPackage, err, strings.TrimSpace(errb.String()))
	}
	return out.Bytes(), nil
}
