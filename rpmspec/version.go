package rpmspec

import (
	"fmt"
	"strconv"
	"strings"
)

// DefaultVersion is the QM version qm-build packages unless told otherwise. It
// matches upstream's newest tag and the qm SELinux module's policy_module line.
const DefaultVersion = "1.0"

// DefaultRelease is the package release unless told otherwise.
const DefaultRelease = "1"

// MaxVersion bounds a version or release: a package's file name
// (NAME-VERSION-RELEASE.ARCH.rpm) must stay within the 255 bytes a file
// name may have.
const MaxVersion = 64

// ValidateVersion checks an RPM version or release field: non-empty, no '-'
// (it separates version and release in an EVR), no whitespace, and only the
// characters rpm accepts (alphanumerics and ._+~^), at most MaxVersion of
// them.
func ValidateVersion(field, v string) error {
	msg := ""
	switch {
	case v == "":
		msg = "must not be empty"
	case len(v) > MaxVersion:
		return &InputError{Field: field, Msg: fmt.Sprintf("%s… is %d characters long; the limit is %d", quote(v[:16]), len(v), MaxVersion)}
	case strings.Contains(v, "-"):
		msg = "must not contain '-' (it separates version from release)"
	case strings.IndexFunc(v, func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }) >= 0:
		msg = "must not contain whitespace"
	default:
		for _, r := range v {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._+~^", r)) {
				msg = "contains " + string(r) + "; use only letters, digits and ._+~^"
				break
			}
		}
	}
	if msg == "" {
		return nil
	}
	return &InputError{Field: field, Msg: quote(v) + " " + msg}
}

// quote quotes s for a message, escaping control characters so that a
// message stays on one line.
func quote(s string) string { return strconv.Quote(s) }
