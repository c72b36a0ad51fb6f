package rpmspec

import (
	"fmt"
	"unicode/utf8"
)

// The one rule for every value that reaches a file qm-build writes (unit
// files, quadlets, YAML, RPM headers, the spec): it is valid UTF-8 and has
// no control character. A one-line value (a flag, a path, a device, a name,
// a summary) has no line break either; a text block (a description, a file's
// content or template) may have line breaks and tabs. Every front end
// (flags, drop-in YAML, blueprints, the osbuild stage's options) checks its
// values with CheckLine or CheckBlock before anything is written, so that a
// value can neither add a line to a file (a newline followed by
// PodmanArgs=--privileged) nor stop a writer half-way.

// MaxLine bounds a one-line value: a path, a reference, a name. Linux paths
// are at most 4096 bytes; nothing qm-build writes on one line needs more.
const MaxLine = 4096

// CheckLine checks a one-line value: valid UTF-8, at most MaxLine bytes, no
// control character (C0, DEL, C1) and no Unicode line or paragraph
// separator. The error quotes the value with its control characters escaped.
func CheckLine(v string) error {
	if len(v) > MaxLine {
		return fmt.Errorf("%s… is %d bytes long; the limit is %d", quote(v[:32]), len(v), MaxLine)
	}
	return checkText(v, false)
}

// CheckBlock checks a text block: as CheckLine, but line breaks (\n) and
// tabs are allowed and the length is not bounded here.
func CheckBlock(v string) error { return checkText(v, true) }

func checkText(v string, block bool) error {
	if !utf8.ValidString(v) {
		return fmt.Errorf("%s is not valid UTF-8", quote(v))
	}
	for _, r := range v {
		if block && (r == '\n' || r == '\t') {
			continue
		}
		if IsControl(r) {
			what := "a control character"
			switch r {
			case '\n', '\r', 0x2028, 0x2029:
				what = "a line break"
			}
			if block {
				return fmt.Errorf("%s has %s (%U); only printable text, line breaks and tabs are allowed", quote(v), what, r)
			}
			return fmt.Errorf("%s has %s (%U); a value must be one line of printable text", quote(v), what, r)
		}
	}
	return nil
}

// IsControl reports whether r is a control character (C0, DEL, C1) or a
// Unicode line or paragraph separator.
func IsControl(r rune) bool {
	return r < 0x20 || r >= 0x7f && r <= 0x9f || r == 0x2028 || r == 0x2029
}

// LineField checks a one-line value of a named field: nil, or an
// InputError naming the field.
func LineField(field, v string) *InputError {
	if err := CheckLine(v); err != nil {
		return &InputError{Field: field, Msg: err.Error()}
	}
	return nil
}
