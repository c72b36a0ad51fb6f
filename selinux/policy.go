package selinux

import (
	"bytes"
	"embed"
	"encoding/binary"
	"fmt"
	"regexp"

	"github.com/qm-build/qm-build/rpmspec"
)

//go:embed policy/*
var policyFS embed.FS

func mustReadPolicy(name string) []byte {
	b, err := policyFS.ReadFile("policy/" + name)
	if err != nil {
		panic(err)
	}
	return b
}

// Source file names of the module.
const (
	ModuleName     = "qm"
	TEFile         = "qm.te"
	IFFile         = "qm.if"
	FCFile         = "qm.fc"
	CompatIFFile   = "qm_container_compat.if"
	PolicyPackage  = "qm.pp"
	PackageFileBz2 = "qm.pp.bz2"
)

// SourceFile is one file of the module's sources.
type SourceFile struct {
	Name string
	Data []byte
}

// moduleVersionRE is what checkmodule's lexer takes as a module version
// (checkpolicy policy_scan.l, VERSION_IDENTIFIER): digits, then optionally a
// dot and letters, digits, '_' and '.'. Checked against checkmodule 3.4.
var moduleVersionRE = regexp.MustCompile(`^[0-9]+(\.[A-Za-z0-9_.]*)?$`)

// policyModuleLine starts qm.te's policy_module line, which is the whole
// line "policy_module(qm, VERSION)", VERSION without ')'.
const policyModuleLine = "policy_module(qm, "

// moduleVersionLine returns VERSION when line (without its newline) is a
// policy_module line.
func moduleVersionLine(line []byte) (string, bool) {
	v, ok := bytes.CutPrefix(line, []byte(policyModuleLine))
	if !ok {
		return "", false
	}
	v, ok = bytes.CutSuffix(v, []byte(")"))
	if !ok || bytes.IndexByte(v, ')') >= 0 || bytes.IndexByte(v, '\n') >= 0 {
		return "", false
	}
	return string(v), true
}

// withModuleVersion returns te with every policy_module line's version set
// to version, and whether it had one. (A line scan: a multi-line regexp
// took half a millisecond over qm.te in every build.)
func withModuleVersion(te []byte, version string) ([]byte, bool) {
	out := make([]byte, 0, len(te)+len(version))
	found := false
	for line := range bytes.Lines(te) {
		body, nl := bytes.CutSuffix(line, []byte("\n"))
		if _, ok := moduleVersionLine(body); ok {
			found = true
			out = append(out, policyModuleLine+version+")"...)
			if nl {
				out = append(out, '\n')
			}
			continue
		}
		out = append(out, line...)
	}
	return out, found
}

// CheckModuleVersion reports whether version, the qm package version, can be
// the module's policy_module version: the module version equals the package
// version (as upstream requires), so a package version checkmodule cannot
// read is bad input, found here rather than by checkmodule. field names the
// flag in the error.
func CheckModuleVersion(field, version string) error {
	if moduleVersionRE.MatchString(version) {
		return nil
	}
	return &rpmspec.InputError{Field: field, Msg: fmt.Sprintf(
		"version %q cannot be the SELinux module version policy_module(qm, %s): checkmodule takes digits, optionally followed by '.' and letters, digits, '_' or '.'", version, version)}
}

// Sources returns the module's sources for a package version, in a fixed
// order: qm.te (with policy_module(qm, version)), qm.if, qm.fc and the
// compatibility interfaces used only for the offline build.
func Sources(version string) ([]SourceFile, error) {
	if err := CheckModuleVersion("--pkg-version", version); err != nil {
		return nil, err
	}
	te, ok := withModuleVersion(mustReadPolicy(TEFile), version)
	if !ok {
		panic("policy/qm.te has no policy_module(qm, …) line")
	}
	return []SourceFile{
		{TEFile, te},
		{IFFile, mustReadPolicy(IFFile)},
		{FCFile, mustReadPolicy(FCFile)},
		{CompatIFFile, mustReadPolicy(CompatIFFile)},
	}, nil
}

// Policy package layout (libsepol src/module.c, policydb_write): a package
// header (magic, version, section count, section offsets), then the module
// section: magic, "SE Linux Module", policy type, policy version, config, symbol and
// ocontext counts, then the module's name and version, each length-prefixed,
// all little-endian uint32.
const (
	packageMagic = 0xf97cff8f
	moduleMagic  = 0xf97cff8d
)

// ModuleInfo reads the name and version of a policy package (.pp, not
// compressed).
func ModuleInfo(pp []byte) (name, version string, err error) {
	r := bytes.NewReader(pp)
	var hdr [3]uint32
	if err := binary.Read(r, binary.LittleEndian, &hdr); err != nil || hdr[0] != packageMagic || hdr[2] == 0 {
		return "", "", fmt.Errorf("not a SELinux policy package")
	}
	var off uint32
	if err := binary.Read(r, binary.LittleEndian, &off); err != nil || int64(off) >= int64(len(pp)) {
		return "", "", fmt.Errorf("reading policy package: bad section offset")
	}
	r = bytes.NewReader(pp[off:])
	u32 := func() uint32 {
		var v uint32
		if err == nil {
			err = binary.Read(r, binary.LittleEndian, &v)
		}
		return v
	}
	str := func() string {
		n := u32()
		if err != nil || int64(n) > int64(r.Len()) {
			err = fmt.Errorf("reading policy package: truncated")
			return ""
		}
		b := make([]byte, n)
		_, err = r.Read(b)
		return string(b)
	}
	if u32() != moduleMagic {
		return "", "", fmt.Errorf("policy package has no module section")
	}
	if s := str(); s != "SE Linux Module" {
		return "", "", fmt.Errorf("policy package module section is %q", s)
	}
	for i := 0; i < 5; i++ { // policy type, policyvers, config, sym_num, ocon_num
		u32()
	}
	name, version = str(), str()
	if err != nil {
		return "", "", err
	}
	return name, version, nil
}
