package osbuildstage

import (
	"bytes"
	"debug/elf"
	"fmt"
	"strings"

	"github.com/qm-build/qm-build/blueprints/qmstage"
	"github.com/qm-build/qm-build/rpmspec"
)

// RPMName is the name of the package that ships the stage to osbuild hosts.
const RPMName = "osbuild-stage-qm"

const rpmSummary = "The org.osbuild.qm osbuild stage: QM's content written at image build time"

const rpmDescription = `The org.osbuild.qm stage for osbuild: qm-build as a native osbuild stage.
An osbuild manifest that calls org.osbuild.qm gets QM's content (the qm and
qm-<dropin> payload, /usr/lib/qm/rootfs, /etc/qm, /var/qm, the quadlet
drop-ins, the nested container and BlueChi configuration) written into its
tree while osbuild builds the image. The stage's options are described by
org.osbuild.qm.meta.json beside it.`

// RPMPackage is the osbuild-stage-qm package, as data for rpmspec/rpm: the
// stage binary exe at StagePath (0755) and the meta file at MetaPath (0644).
// The package carries a compiled Go program, so it is built for the
// binary's architecture, read from exe's ELF header, and not noarch. It
// requires osbuild, which owns /usr/lib/osbuild/stages.
func RPMPackage(exe []byte, version, release string) (*rpmspec.Package, error) {
	arch, err := ELFArch(exe)
	if err != nil {
		return nil, err
	}
	p := &rpmspec.Package{
		Name:        RPMName,
		Version:     version,
		Release:     release,
		Summary:     rpmSummary,
		Description: rpmDescription,
		License:     rpmspec.License,
		URL:         rpmspec.URL,
		Arch:        arch,
		Files: []rpmspec.File{
			{Path: StagePath, Kind: rpmspec.KindFile, Mode: 0o755, Body: exe, Origin: "stages/osbuildstage/rpm.go"},
			{Path: MetaPath, Kind: rpmspec.KindFile, Mode: 0o644, Body: qmstage.MetaJSON(), Origin: "stages/osbuildstage/rpm.go"},
		},
	}
	p.Requires.Add(rpmspec.Relation{Name: "osbuild"})
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// ELFArch returns the rpm architecture of an ELF executable.
func ELFArch(exe []byte) (string, error) {
	f, err := elf.NewFile(bytes.NewReader(exe))
	if err != nil {
		return "", &rpmspec.InputError{Field: "--binary", Msg: "not an ELF executable: " + err.Error()}
	}
	defer f.Close()
	arch, ok := rpmspec.ArchOfELF(f.Machine, f.ByteOrder)
	if !ok {
		return "", &rpmspec.InputError{Field: "--binary", Msg: fmt.Sprintf("ELF machine %s has no rpm architecture here", f.Machine)}
	}
	return arch, nil
}

// PackageVersion turns qm-build's version (a semantic version such as
// 0.3.1 or 0.3.2-dev.4+gabc1234, see hack/version.sh) into an rpm version
// that sorts the same: a leading "v" goes, the pre-release's '-' becomes
// rpm's '~' (which sorts before the release), and each other character rpm
// does not allow in a version becomes '.'.
func PackageVersion(toolVersion string) string {
	v := strings.TrimPrefix(toolVersion, "v")
	if core, pre, ok := strings.Cut(v, "-"); ok && core != "" && !strings.Contains(core, "+") {
		v = core + "~" + pre
	}
	b := []byte(v)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._+~^", c) >= 0) {
			b[i] = '.'
		}
	}
	if len(b) == 0 {
		return "0"
	}
	return string(b)
}
