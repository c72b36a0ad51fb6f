package rpmspec

import (
	"fmt"
	"strings"
)

// CheckImageRef checks a container image reference for a nested quadlet's
// Image= line: no space or control character (it lands on one line of a
// unit file), valid in the containers' reference grammar
// (github.com/distribution/reference's, imageref.go), and fully qualified: a registry
// (a host name with a dot or a port, or localhost), a repository, and a tag
// or a digest, e.g. quay.io/qm-images/kvm:latest or
// quay.io/qm-images/kvm@sha256:…
//
// Podman resolves a short name (qm-images/kvm:latest, fedora) through the
// unqualified-search registries of registries.conf(5); with
// short-name-mode = "enforcing", CentOS's default, that needs a terminal to
// pick a registry, which a nested quadlet never has, so the container would
// not start. allowShort accepts short names that are otherwise valid
// (IsShortImageName). A refusal is an *InputError whose message starts with
// the quoted reference; callers add where it was given, and whether short
// names can be allowed there.
func CheckImageRef(ref string, allowShort bool) error {
	msg, short := imageRefProblem(ref)
	if msg == "" || short && allowShort {
		return nil
	}
	return &InputError{Msg: quote(ref) + " " + msg}
}

// IsShortImageName reports whether ref is a valid image reference that is
// not fully qualified: the one problem CheckImageRef's allowShort lets pass.
func IsShortImageName(ref string) bool {
	msg, short := imageRefProblem(ref)
	return msg != "" && short
}

// imageRefProblem says what is wrong with ref ("" for nothing), and whether
// that is only that ref is a short name.
func imageRefProblem(ref string) (msg string, short bool) {
	if ref == "" {
		return "is empty", false
	}
	if strings.IndexFunc(ref, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return "has a space, a newline or a control character; an image reference is one word", false
	}
	r, err := parseNormalizedImageRef(ref)
	switch {
	case err != nil:
		return "is not an image reference: " + err.Error(), false
	case r.String() != ref:
		// docker.io or library/ was added: the name says no registry.
		return "is a short name: give the registry, the repository and a tag or digest " +
			"(e.g. quay.io/qm-images/kvm:latest)", true
	case r.tag == "" && r.digest == "":
		return fmt.Sprintf("names no tag or digest: give one (e.g. %s:latest)", ref), true
	}
	return "", false
}

// IsQuadletImageUnit reports whether an Image= value names another quadlet
// unit (name.image or name.build) instead of a registry image.
func IsQuadletImageUnit(v string) bool {
	return (strings.HasSuffix(v, ".image") || strings.HasSuffix(v, ".build")) && !strings.ContainsAny(v, "/: \t")
}
