package rpmspec

import (
	"errors"
	"strings"
)

// The container image reference grammar of github.com/distribution/reference
// (v0.6.0, regexp.go and normalize.go), the one podman and
// containers/image parse Image= with, written as plain Go: that package
// compiles eleven regular expressions when a program starts, two thirds of
// a millisecond of every qm-build command, for a check made once per image
// reference. TestImageRefMatchesDistribution and FuzzImageRef compare this
// parser with the package, whose regular expressions are quoted beside each
// matcher below.
//
//	reference     := name [ ":" tag ] [ "@" digest ]
//	name          := [domain '/'] remote-name
//	domain        := host [':' port-number]
//	host          := domain-name | '[' ipv6 ']'
//	remote-name   := path-component ['/' path-component]*

// Errors of the grammar, worded as distribution/reference words them.
var (
	errRefFormat    = errors.New("invalid reference format")
	errRefUppercase = errors.New("invalid reference format: repository name must be lowercase")
	errRefTooLong   = errors.New("repository name must not be more than 255 characters")
	errRefHexName   = errors.New("invalid repository name, cannot specify 64-byte hexadecimal strings")
	errRefDigest    = errors.New("invalid digest format")
	errRefDigestLen = errors.New("invalid checksum digest length")
	errRefDigestAlg = errors.New("unsupported digest algorithm")
)

// imageRef is a parsed, normalized reference: the domain and path, as
// distribution/reference's ParseNormalizedNamed gives them, and the tag and
// digest.
type imageRef struct {
	domain, path, tag, digest string
}

// String is the reference as distribution/reference's Named.String spells
// it; a reference is canonical (fully qualified, in its words) when that is
// the text it was parsed from.
func (r imageRef) String() string {
	s := r.path
	if r.domain != "" {
		s = r.domain + "/" + r.path
	}
	if r.tag != "" {
		s += ":" + r.tag
	}
	if r.digest != "" {
		s += "@" + r.digest
	}
	return s
}

// parseNormalizedImageRef is distribution/reference's ParseNormalizedNamed:
// a short name gets docker.io and library/ added.
func parseNormalizedImageRef(s string) (imageRef, error) {
	if isHex64(s) {
		return imageRef{}, errRefHexName
	}
	domain, remainder := splitDockerDomain(s)
	remote := remainder
	if i := strings.IndexByte(remainder, ':'); i >= 0 {
		remote = remainder[:i]
	}
	if strings.ToLower(remote) != remote {
		return imageRef{}, errRefUppercase
	}
	return parseImageRef(domain + "/" + remainder)
}

// splitDockerDomain is distribution/reference's: the first component is a
// registry when it is localhost, has a dot or a colon, or has an upper-case
// letter; otherwise the registry is docker.io (and a one-component name is
// in library/).
func splitDockerDomain(name string) (domain, remote string) {
	first, rest, ok := strings.Cut(name, "/")
	switch {
	case !ok:
		return "docker.io", "library/" + name
	case first == "localhost", strings.ContainsAny(first, ".:"), strings.ToLower(first) != first:
		domain, remote = first, rest
		if first == "index.docker.io" {
			domain = "docker.io"
		}
	default:
		domain, remote = "docker.io", name
	}
	if domain == "docker.io" && !strings.Contains(remote, "/") {
		remote = "library/" + remote
	}
	return domain, remote
}

// parseImageRef is distribution/reference's Parse, for a string that is not
// empty.
func parseImageRef(s string) (imageRef, error) {
	r, ok := matchImageRef(s)
	if !ok {
		if _, ok := matchImageRef(strings.ToLower(s)); ok {
			return imageRef{}, errRefUppercase
		}
		return imageRef{}, errRefFormat
	}
	if len(r.path) > 255 {
		return imageRef{}, errRefTooLong
	}
	if r.digest != "" {
		if err := validDigest(r.digest); err != nil {
			return imageRef{}, err
		}
	}
	return r, nil
}

// matchImageRef is ReferenceRegexp, `^(name)(?::(tag))?(?:@(digest))?$`,
// with the name split as anchoredNameRegexp splits it.
func matchImageRef(s string) (imageRef, bool) {
	nameTag, digest, hasDigest := strings.Cut(s, "@")
	name, tag, hasTag := nameTag, "", false
	// A tag has no '/', and the name has a ':' only before its first '/'
	// (the registry's port): a ':' after the last '/' starts the tag.
	if i := strings.LastIndexByte(nameTag, ':'); i >= 0 && !strings.Contains(nameTag[i:], "/") {
		name, tag, hasTag = nameTag[:i], nameTag[i+1:], true
	}
	r, ok := splitName(name)
	if !ok || hasTag && !isTag(tag) || hasDigest && !isDigest(digest) {
		return imageRef{}, false
	}
	r.tag, r.digest = tag, digest
	return r, true
}

// splitName is anchoredNameRegexp, `^(?:(domain)/)?(remote-name)$`: the
// first component is the domain when it can be one and the rest is a
// remote name, else the whole is a remote name.
func splitName(name string) (imageRef, bool) {
	if first, rest, ok := strings.Cut(name, "/"); ok && isDomain(first) && isRemoteName(rest) {
		return imageRef{domain: first, path: rest}, true
	}
	if isRemoteName(name) {
		return imageRef{path: name}, true
	}
	return imageRef{}, false
}

// isRemoteName: path-component ('/' path-component)*.
func isRemoteName(s string) bool {
	for c := range strings.SplitSeq(s, "/") {
		if !isPathComponent(c) {
			return false
		}
	}
	return true
}

// isPathComponent: `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`.
func isPathComponent(s string) bool {
	i := 0
	for {
		n := 0
		for i < len(s) && (s[i] >= 'a' && s[i] <= 'z' || s[i] >= '0' && s[i] <= '9') {
			i, n = i+1, n+1
		}
		if n == 0 {
			return false
		}
		if i == len(s) {
			return true
		}
		switch {
		case strings.HasPrefix(s[i:], "__"):
			i += 2
		case s[i] == '.' || s[i] == '_':
			i++
		case s[i] == '-':
			for i < len(s) && s[i] == '-' {
				i++
			}
		default:
			return false
		}
	}
}

// isDomain: host (':' `[0-9]+`)?, host being a domain name or `\[[a-fA-F0-9:]+\]`.
func isDomain(s string) bool {
	host, port, hasPort := s, "", false
	if i := strings.LastIndexByte(s, ':'); i >= 0 && !strings.Contains(s[i:], "]") {
		host, port, hasPort = s[:i], s[i+1:], true
	}
	if hasPort && (port == "" || strings.Trim(port, "0123456789") != "") {
		return false
	}
	if inner, ok := strings.CutPrefix(host, "["); ok {
		inner, ok = strings.CutSuffix(inner, "]")
		return ok && inner != "" && strings.Trim(inner, "0123456789abcdefABCDEF:") == ""
	}
	for c := range strings.SplitSeq(host, ".") {
		if !isDomainComponent(c) {
			return false
		}
	}
	return true
}

// isDomainComponent: `[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]`.
func isDomainComponent(s string) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := range len(s) {
		if !isAlnumByte(s[i]) && s[i] != '-' {
			return false
		}
	}
	return true
}

// isTag: `[\w][\w.-]{0,127}`.
func isTag(s string) bool {
	if s == "" || len(s) > 128 || !isWordByte(s[0]) {
		return false
	}
	for i := range len(s) {
		if !isWordByte(s[i]) && s[i] != '.' && s[i] != '-' {
			return false
		}
	}
	return true
}

// isDigest: algorithm ':' `[[:xdigit:]]{32,}`.
func isDigest(s string) bool {
	alg, hex, ok := strings.Cut(s, ":")
	return ok && isDigestAlgorithm(alg) && len(hex) >= 32 && strings.Trim(hex, "0123456789abcdefABCDEF") == ""
}

// isDigestAlgorithm: `[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*`.
func isDigestAlgorithm(s string) bool {
	i := 0
	for {
		if i == len(s) || !isLetterByte(s[i]) {
			return false
		}
		for i++; i < len(s) && isAlnumByte(s[i]); i++ {
		}
		if i == len(s) {
			return true
		}
		if strings.IndexByte("-_+.", s[i]) < 0 {
			return false
		}
		i++
	}
}

// validDigest is github.com/opencontainers/go-digest's Parse for a string
// isDigest accepted: sha256, sha384 or sha512, in lower-case hex of the
// algorithm's length.
func validDigest(s string) error {
	alg, hex, _ := strings.Cut(s, ":")
	size := map[string]int{"sha256": 64, "sha384": 96, "sha512": 128}[alg]
	switch {
	case size == 0:
		return errRefDigestAlg
	case len(hex) != size:
		return errRefDigestLen
	case strings.Trim(hex, "0123456789abcdef") != "":
		return errRefDigest
	}
	return nil
}

func isHex64(s string) bool {
	return len(s) == 64 && strings.Trim(s, "0123456789abcdef") == ""
}

func isAlnumByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

func isLetterByte(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }

func isWordByte(b byte) bool { return isAlnumByte(b) || b == '_' }
