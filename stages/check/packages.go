package check

import (
	"errors"
	"fmt"
	"io"
	"strings"

	rpmutils "github.com/sassoftware/go-rpmutils"

	rpmheader "github.com/qm-build/qm-build/rpmspec/rpm/header"
	"github.com/qm-build/qm-build/stages/check/target"
)

// rpmInfo is one package file as the package rules see it.
type rpmInfo struct {
	File     string
	NEVRA    rpmutils.NEVRA
	// SourceRPM is the source package it was built from (RPMTAG_SOURCERPM):
	// the subpackages of one build share it, whatever their own versions.
	SourceRPM string
	Requires  []requirement
	// Files are the package's file names.
	Files []string
	// DigestErr is a header or payload digest that does not verify.
	DigestErr error
	// SigErr is the signature check against the keyring (nil when it
	// verified or no keyring was given); Signed says whether any signature
	// was found.
	SigErr error
	Signed bool
}

type requirement struct {
	Name, Version string
	Flags         int
}

// loadRPMs reads every package of the target. A package that cannot be read at
// all (truncated, not an RPM) makes the target unreadable: the error is bad
// input. Digest and signature failures are kept for the rules.
func (c *Context) loadRPMs() error {
	for _, name := range c.Target.Packages.Files {
		info, err := c.readRPM(name)
		if err != nil {
			return target.Error(c.Target.Spec, fmt.Errorf("%s: %w", name, err))
		}
		c.rpms = append(c.rpms, info)
	}
	return nil
}

// readRPM reads one package: its header (which must parse), then the digests
// with go-rpmutils' Verify, then the signatures against the keyring.
func (c *Context) readRPM(name string) (info *rpmInfo, err error) {
	defer func() {
		if r := recover(); r != nil {
			info, err = nil, fmt.Errorf("malformed RPM: %v", r)
		}
	}()
	info = &rpmInfo{File: name}
	// The headers as rpm loads them (bounds, layout, file names): a package
	// rpm cannot load, or one whose file names no tool reads back, is not
	// checked as if it were fine.
	if _, err := c.withPackage(name, func(r io.Reader) (*rpmutils.RpmHeader, error) { return nil, rpmheader.Verify(r) }); err != nil {
		return nil, fmt.Errorf("not a valid RPM: %w", err)
	}
	hdr, err := c.withPackage(name, func(r io.Reader) (*rpmutils.RpmHeader, error) { return rpmutils.ReadHeader(r) })
	if err != nil && !isDigestError(err) {
		return nil, fmt.Errorf("not a readable RPM: %w", err)
	}
	if err == nil {
		if err := info.fill(hdr); err != nil {
			return nil, err
		}
		if err := c.checkLength(name, hdr); err != nil {
			return nil, err
		}
	}
	_, err = c.withPackage(name, func(r io.Reader) (*rpmutils.RpmHeader, error) {
		h, _, err := rpmutils.Verify(r, nil)
		return h, err
	})
	switch {
	case err == nil:
	case isDigestError(err):
		info.DigestErr = err
		return info, nil
	default:
		return nil, fmt.Errorf("reading the payload: %w", err)
	}
	if c.Keyring != nil {
		_, err = c.withPackage(name, func(r io.Reader) (*rpmutils.RpmHeader, error) {
			h, sigs, err := rpmutils.Verify(r, c.Keyring)
			info.Signed = len(sigs) > 0
			return h, err
		})
		info.SigErr = err
		if err == nil && !info.Signed {
			info.SigErr = errors.New("the package is not signed")
		}
	}
	return info, nil
}

// checkLength compares the file with the header+payload size the signature
// header records (RPMSIGTAG_SIZE): a shorter file is truncated, which is an
// unreadable package, not a changed one.
func (c *Context) checkLength(name string, hdr *rpmutils.RpmHeader) error {
	sizes, err := hdr.GetUint64s(rpmutils.SIG_SIZE)
	if err != nil || len(sizes) != 1 {
		return nil
	}
	f, err := c.Target.Packages.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	want := int64(hdr.GetRange().Start) + int64(sizes[0])
	if fi.Size() < want {
		return fmt.Errorf("truncated: %d bytes, the signature header says %d", fi.Size(), want)
	}
	return nil
}

func (c *Context) withPackage(name string, f func(io.Reader) (*rpmutils.RpmHeader, error)) (*rpmutils.RpmHeader, error) {
	fh, err := c.Target.Packages.Open(name)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	return f(fh)
}

// isDigestError tells a digest that does not match (the package was changed)
// from a package that cannot be read.
func isDigestError(err error) bool {
	return err != nil && strings.Contains(err.Error(), "mismatch")
}

func (info *rpmInfo) fill(hdr *rpmutils.RpmHeader) error {
	n, err := hdr.GetNEVRA()
	if err != nil {
		return fmt.Errorf("reading name and version: %w", err)
	}
	info.NEVRA = *n
	if src, err := hdr.GetStrings(rpmutils.SOURCERPM); err == nil && len(src) == 1 {
		info.SourceRPM = src[0]
	}
	if files, err := hdr.GetFiles(); err == nil {
		for _, f := range files {
			info.Files = append(info.Files, f.Name())
		}
	}
	names, _ := hdr.GetStrings(rpmutils.REQUIRENAME)
	versions, _ := hdr.GetStrings(rpmutils.REQUIREVERSION)
	flags, _ := hdr.GetInts(rpmutils.REQUIREFLAGS)
	for i, nm := range names {
		r := requirement{Name: nm}
		if i < len(versions) {
			r.Version = versions[i]
		}
		if i < len(flags) {
			r.Flags = flags[i]
		}
		info.Requires = append(info.Requires, r)
	}
	return nil
}

// evr is [epoch:]version-release as the package says.
func (info *rpmInfo) evr() string {
	v := info.NEVRA.Version + "-" + info.NEVRA.Release
	if info.NEVRA.Epoch != "" && info.NEVRA.Epoch != "0" {
		v = info.NEVRA.Epoch + ":" + v
	}
	return v
}

// qmConfigDirs are where a package changes QM's container or trees: QM's
// trees, qm-build's drop-in declarations, and the quadlet and systemd
// drop-in directories of QM's units.
var qmConfigDirs = []string{qmUsrLib, qmEtc, qmVar, qmShare,
	"/etc/containers/systemd/qm.container.d", "/usr/share/containers/systemd/qm.container.d",
	"/etc/containers/systemd/container.d", "/usr/share/containers/systemd/container.d",
	"/etc/systemd/system/qm.service.d", "/usr/lib/systemd/system/qm.service.d"}

// isDropin reports whether a qm-* package is one of qm's drop-ins, built with
// qm and versioned with it: it requires qm, or it installs QM configuration.
// Other qm-* packages (upstream's qm-oci-hooks and qm-wayland, versioned on
// their own) are not held to qm's version.
func (info *rpmInfo) isDropin() bool {
	if !strings.HasPrefix(info.NEVRA.Name, "qm-") {
		return false
	}
	for _, q := range info.Requires {
		if q.Name == "qm" {
			return true
		}
	}
	for _, f := range info.Files {
		for _, d := range qmConfigDirs {
			if under(f, d) {
				return true
			}
		}
	}
	return false
}
