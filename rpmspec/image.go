package rpmspec

import (
	"errors"
	"fmt"
	"strings"

	"github.com/distribution/reference"
)

// ImageRefError says why an image reference is refused.
type ImageRefError struct {
	Ref string
	// Short is set when the reference is valid but not fully qualified,
	// the one problem --allow-short-names lets pass.
	Short bool
	Msg   string
}

func (e *ImageRefError) Error() string { return quote(e.Ref) + " " + e.Msg }

// CheckImageRef checks a container image reference for a nested quadlet's
// Image= line: no space or control character (it lands on one line of a
// unit file), valid in the containers' reference grammar
// (github.com/distribution/reference), and fully qualified: a registry
// (a host name with a dot or a port, or localhost), a repository, and a tag
// or a digest, e.g. quay.io/qm-images/kvm:latest or
// quay.io/qm-images/kvm@sha256:…
//
// Podman resolves a short name (qm-images/kvm:latest, fedora) through the
// unqualified-search registries of registries.conf(5); with
// short-name-mode = "enforcing", CentOS's default, that needs a terminal to
// pick a registry, which a nested quadlet never has, so the container would
// not start. allowShort accepts short names that are otherwise valid.
func CheckImageRef(ref string, allowShort bool) error {
	if ref == "" {
		return &ImageRefError{Ref: ref, Msg: "is empty"}
	}
	if i := strings.IndexFunc(ref, func(r rune) bool { return r <= ' ' || r == 0x7f }); i >= 0 {
		return &ImageRefError{Ref: ref, Msg: "has a space, a newline or a control character; an image reference is one word"}
	}
	named, err := reference.ParseNamed(ref)
	switch {
	case errors.Is(err, reference.ErrNameNotCanonical):
		if _, perr := reference.ParseNormalizedNamed(ref); perr != nil {
			return &ImageRefError{Ref: ref, Msg: "is not an image reference: " + perr.Error()}
		}
		if allowShort {
			return nil
		}
		return &ImageRefError{Ref: ref, Short: true, Msg: "is a short name: give the registry, the repository and a tag or digest " +
			"(e.g. quay.io/qm-images/kvm:latest), or allow short names"}
	case err != nil:
		return &ImageRefError{Ref: ref, Msg: "is not an image reference: " + err.Error()}
	}
	_, tagged := named.(reference.Tagged)
	_, digested := named.(reference.Digested)
	if !tagged && !digested {
		if allowShort {
			return nil
		}
		return &ImageRefError{Ref: ref, Short: true, Msg: fmt.Sprintf("names no tag or digest: give one (e.g. %s:latest), or allow short names", ref)}
	}
	return nil
}

// IsQuadletImageUnit reports whether an Image= value names another quadlet
// unit (name.image or name.build) instead of a registry image.
func IsQuadletImageUnit(v string) bool {
	return (strings.HasSuffix(v, ".image") || strings.HasSuffix(v, ".build")) && !strings.ContainsAny(v, "/: \t")
}
