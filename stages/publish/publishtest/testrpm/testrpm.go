// Package testrpm makes the RPMs publish's tests and benchmarks run on: the
// project's own packages (rootfs.Compose with every drop-in, written by
// rpmspec/rpm), stub base packages that provide what they require (podman,
// systemd, …), and any number of generated packages. Everything is built in
// memory from fixed inputs, so runs are reproducible.
package testrpm

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/rpmpack"

	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/rpmspec/rpm"
	"github.com/qm-build/qm-build/rpmspec/sign"
)

// Epoch is the build time of every test package.
var Epoch = time.Unix(1700000000, 0).UTC()

// Project composes the qm package and every catalog drop-in.
func Project(t testing.TB) []*rpmspec.Package {
	t.Helper()
	cat, err := rpmspec.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	plan, err := rootfs.NewPlan(rootfs.Options{Dropins: []string{"all"}, Epoch: Epoch}, cat)
	if err != nil {
		t.Fatal(err)
	}
	c, err := rootfs.Compose(plan, rootfs.Facts{})
	if err != nil {
		t.Fatal(err)
	}
	return c.Packages
}

// WriteProject writes the project's packages into dir (signed when key is
// set) and returns the file paths.
func WriteProject(t testing.TB, dir string, key *sign.Key) []string {
	t.Helper()
	names, err := rpm.WriteDir(dir, Project(t), rpm.Options{BuildTime: Epoch, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = filepath.Join(dir, n)
	}
	return out
}

// Spec is a simple package for rpmpack.
type Spec struct {
	Name, Version, Release, Arch string
	Summary                      string
	Description                  string // default: the summary and a full stop
	Requires, Provides           []string
	Files                        map[string]string // path → content
}

// Build writes s as an RPM.
func Build(t testing.TB, s Spec) []byte {
	t.Helper()
	data, err := build(s)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func build(s Spec) ([]byte, error) {
	if s.Version == "" {
		s.Version = "1.0"
	}
	if s.Release == "" {
		s.Release = "1"
	}
	if s.Arch == "" {
		s.Arch = "noarch"
	}
	if s.Summary == "" {
		s.Summary = "test package " + s.Name
	}
	if s.Description == "" {
		s.Description = s.Summary + "."
	}
	md := rpmpack.RPMMetaData{
		Name: s.Name, Version: s.Version, Release: s.Release, Arch: s.Arch, OS: "linux",
		Summary: s.Summary, Description: s.Description, Licence: "GPL-2.0-only",
		BuildHost: "qm-build", Compressor: "gzip", Epoch: rpmpack.NoEpoch, BuildTime: Epoch,
	}
	for _, r := range s.Requires {
		if err := md.Requires.Set(r); err != nil {
			return nil, err
		}
	}
	for _, p := range s.Provides {
		if err := md.Provides.Set(p); err != nil {
			return nil, err
		}
	}
	r, err := rpmpack.NewRPM(md)
	if err != nil {
		return nil, err
	}
	paths := make([]string, 0, len(s.Files))
	for p := range s.Files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		r.AddFile(rpmpack.RPMFile{Name: p, Body: []byte(s.Files[p]), Mode: 0o100644, Owner: "root", Group: "root", MTime: uint32(Epoch.Unix())})
	}
	var b bytes.Buffer
	if err := r.Write(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// FileName is the conventional file name of s.
func (s Spec) FileName() string {
	v, r, a := s.Version, s.Release, s.Arch
	if v == "" {
		v = "1.0"
	}
	if r == "" {
		r = "1"
	}
	if a == "" {
		a = "noarch"
	}
	return fmt.Sprintf("%s-%s-%s.%s.rpm", s.Name, v, r, a)
}

// Write builds each spec into dir and returns the paths.
func Write(t testing.TB, dir string, specs ...Spec) []string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range specs {
		p := filepath.Join(dir, s.FileName())
		if err := os.WriteFile(p, Build(t, s), 0o644); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// Stubs returns one stub package per capability that pkgs require and do
// not provide themselves (podman, systemd, /bin/sh, …), each providing it at
// a version that satisfies any lower bound, so that repoclosure passes on
// the project's repository plus the stubs.
func Stubs(pkgs []*rpmspec.Package) []Spec {
	provided := map[string]bool{}
	for _, p := range pkgs {
		provided[p.Name] = true
		for _, r := range p.Provides {
			provided[r.Name] = true
		}
		for _, f := range p.Files {
			provided[f.Path] = true
		}
	}
	need := map[string]bool{}
	for _, p := range pkgs {
		for _, r := range append(append(rpmspec.Relations{}, p.Requires...), p.Recommends...) {
			if !provided[r.Name] && !strings.HasPrefix(r.Name, "rpmlib(") {
				need[r.Name] = true
			}
		}
		// The writer adds a script's interpreter (rpm's script.req).
		for _, f := range p.Files {
			if f.Kind == rpmspec.KindFile && f.Mode&0o111 != 0 && bytes.HasPrefix(f.Body, []byte("#!/bin/sh")) && !provided["/bin/sh"] {
				need["/bin/sh"] = true
			}
		}
	}
	names := make([]string, 0, len(need))
	for n := range need {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []Spec
	for i, n := range names {
		s := Spec{Name: fmt.Sprintf("stub%02d-%s", i, stubName(n)), Version: "99", Summary: "stub providing " + n}
		if strings.HasPrefix(n, "/") {
			s.Files = map[string]string{n: "stub\n"}
		} else {
			s.Provides = []string{n + " = 99"}
		}
		out = append(out, s)
	}
	return out
}

func stubName(capability string) string {
	r := strings.NewReplacer("/", "_", "(", "_", ")", "_", " ", "_", ":", "_")
	return strings.Trim(r.Replace(capability), "_")
}

// Generated returns n distinct packages, each with a few files (some in
// /etc and /usr/bin, so that the primary file filter matters), requires and
// provides.
func Generated(n int) []Spec {
	out := make([]Spec, n)
	for i := range out {
		name := fmt.Sprintf("gen%04d", i)
		files := map[string]string{
			"/etc/" + name + "/" + name + ".conf":    strings.Repeat("key = value\n", 20+i%7),
			"/usr/bin/" + name:                       "#!/bin/sh\necho " + name + "\n",
			"/usr/share/" + name + "/README":         strings.Repeat(name+" readme\n", 40),
			"/usr/share/" + name + "/data/blob.json": fmt.Sprintf("{\"id\": %d}\n", i),
		}
		out[i] = Spec{
			Name: name, Version: fmt.Sprintf("1.%d", i%10), Release: "1",
			Requires: []string{fmt.Sprintf("gen%04d", (i+1)%n), "/bin/sh"},
			Provides: []string{name + "-api = 1.0"},
			Files:    files,
		}
	}
	return out
}
