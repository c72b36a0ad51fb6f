package stubrepo

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/rpmspec/rpm"
)

// Stub is one stand-in package. Its release is Release.
type Stub struct {
	Name     string
	Version  string
	Requires []string
	Provides []string
	Noarch   bool
}

// Release marks every stub as such in NEVRAs.
const Release = "1.stub"

// Distro are the stand-ins: the build root's packages (images' build
// pipeline: runner, rpm, SELinux tools), the host's, and QM's rootfs set.
var Distro = []Stub{
	{Name: "bash", Version: "5.1.8", Requires: []string{"glibc"}, Provides: []string{"/bin/sh"}},
	{Name: "bluechi-agent", Version: "0.10.2", Requires: []string{"systemd"}},
	{Name: "bluechi-controller", Version: "0.10.2", Requires: []string{"systemd"}},
	{Name: "bluechi-ctl", Version: "0.10.2", Requires: []string{"glibc"}},
	{Name: "conmon", Version: "2.1.12", Requires: []string{"glibc"}},
	{Name: "containers-common", Version: "1", Noarch: true},
	{Name: "coreutils", Version: "8.32", Requires: []string{"glibc"}},
	{Name: "crun", Version: "1.19", Requires: []string{"glibc"}},
	{Name: "glibc", Version: "2.34"},
	{Name: "platform-python", Version: "3.9.21", Requires: []string{"python3-libs"}},
	{Name: "podman", Version: "5.4.0", Requires: []string{"conmon", "crun", "containers-common"}},
	{Name: "policycoreutils", Version: "3.6", Requires: []string{"glibc", "bash"}},
	{Name: "procps-ng", Version: "3.3.17", Requires: []string{"glibc"}},
	{Name: "python3", Version: "3.9.21", Requires: []string{"python3-libs"}},
	{Name: "python3-libs", Version: "3.9.21", Requires: []string{"glibc"}},
	{Name: "rpm", Version: "4.16.1.3", Requires: []string{"glibc", "bash"}},
	{Name: "selinux-policy", Version: "38.1.45", Noarch: true},
	{Name: "selinux-policy-targeted", Version: "38.1.45", Requires: []string{"selinux-policy = 38.1.45-" + Release}, Noarch: true},
	{Name: "systemd", Version: "252", Requires: []string{"glibc", "bash"}},
	{Name: "xz", Version: "5.2.5", Requires: []string{"glibc"}},
}

// BuildTime is the stubs' build time, so that their bytes never change.
var BuildTime = time.Unix(1700000000, 0).UTC()

// Packages returns the stubs for arch as packages, without those named in
// omit, plus a stub for every plain-name requirement of own that no stub
// provides (so that a test does not break when the qm package gains a
// dependency; such stubs are noarch and version 99).
func Packages(arch string, own []*rpmspec.Package, omit ...string) ([]*rpmspec.Package, error) {
	skip := map[string]bool{}
	for _, o := range omit {
		skip[o] = true
	}
	have := map[string]bool{}
	stubs := append([]Stub(nil), Distro...)
	for _, s := range stubs {
		have[s.Name] = true
	}
	var extra []string
	for _, p := range own {
		have[p.Name] = true
	}
	for _, p := range own {
		for _, r := range p.Requires {
			if !have[r.Name] && !strings.ContainsAny(r.Name, "/()") {
				have[r.Name] = true
				extra = append(extra, r.Name)
			}
		}
	}
	sort.Strings(extra)
	for _, n := range extra {
		stubs = append(stubs, Stub{Name: n, Version: "99", Noarch: true})
	}
	var out []*rpmspec.Package
	for _, s := range stubs {
		if skip[s.Name] {
			continue
		}
		p := &rpmspec.Package{
			Name: s.Name, Version: s.Version, Release: Release, Arch: arch,
			Summary: "stand-in for " + s.Name, Description: "A test stand-in for the distribution package " + s.Name + ".",
			License: "MIT", URL: "https://example.invalid/stub",
		}
		if s.Noarch {
			p.Arch = "noarch"
		}
		for _, list := range []struct {
			rels *rpmspec.Relations
			vals []string
		}{{&p.Requires, s.Requires}, {&p.Provides, s.Provides}} {
			for _, v := range list.vals {
				if err := list.rels.Set(v); err != nil {
					return nil, fmt.Errorf("stub %s: %w", s.Name, err)
				}
			}
		}
		out = append(out, p)
	}
	return append(out, own...), nil
}

// Write writes the stubs for arch (see Packages) and own into dir as RPMs,
// reproducibly. Index the directory with createrepo_c afterwards.
func Write(dir, arch string, own []*rpmspec.Package, omit ...string) ([]string, error) {
	pkgs, err := Packages(arch, own, omit...)
	if err != nil {
		return nil, err
	}
	return rpm.WriteDir(dir, pkgs, rpm.Options{BuildTime: BuildTime})
}

// WriteStubs writes only the stubs for arch (see Packages) into dir: own
// packages are written by the caller, e.g. with `qm-build rpm`.
func WriteStubs(dir, arch string, own []*rpmspec.Package, omit ...string) ([]string, error) {
	pkgs, err := Packages(arch, own, omit...)
	if err != nil {
		return nil, err
	}
	return rpm.WriteDir(dir, pkgs[:len(pkgs)-len(own)], rpm.Options{BuildTime: BuildTime})
}
