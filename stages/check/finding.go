package check

import (
	"fmt"
	"sort"
	"strconv"
)

// Finding is one problem a rule found.
type Finding struct {
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	// Path is the image path of the file (or the package file, relative to
	// the package directory) the finding is about.
	Path string `json:"path"`
	// Line is the line in Path for unit and configuration files, 0 otherwise.
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
	// Chain is how the effective value came about, origin first: the files
	// and lines that set, carried or reset it (empty for findings about a
	// single file).
	Chain []Link `json:"chain,omitempty"`
}

// Location is "path:line", or the path alone.
func (f Finding) Location() string {
	if f.Line > 0 {
		return f.Path + ":" + strconv.Itoa(f.Line)
	}
	return f.Path
}

// String is the one-line form: "path:line: QM106 error: message". File
// names and messages with control characters are quoted, so that no finding
// spans or forges lines.
func (f Finding) String() string {
	loc := safeText(f.Path)
	if f.Line > 0 {
		loc += ":" + strconv.Itoa(f.Line)
	}
	return fmt.Sprintf("%s: %s %s: %s", loc, f.Rule, f.Severity, safeText(f.Message))
}

// ChainLines are the chain as indented lines for the text report.
func (f Finding) ChainLines() []string {
	var out []string
	for _, l := range f.Chain {
		loc := safeText(l.Path)
		if l.Line > 0 {
			loc += ":" + strconv.Itoa(l.Line)
		}
		out = append(out, "    "+loc+": "+safeText(l.Note))
	}
	return out
}

// at builds a finding for an image path and line.
func at(path string, line int, format string, args ...any) Finding {
	return Finding{Path: path, Line: line, Message: fmt.Sprintf(format, args...)}
}

// Profile chooses the severity at which findings fail the check.
type Profile string

// Profiles.
const (
	// ProfileDefault fails on errors; warnings are reported.
	ProfileDefault Profile = "default"
	// ProfileStrict fails on warnings too.
	ProfileStrict Profile = "strict"
)

// ParseProfile validates a --profile value.
func ParseProfile(s string) (Profile, error) {
	switch Profile(s) {
	case ProfileDefault, ProfileStrict:
		return Profile(s), nil
	}
	return "", fmt.Errorf("unknown profile %q (want default or strict)", s)
}

// Report is the result of a check.
type Report struct {
	Target  string  `json:"target"`
	Kind    string  `json:"kind"`
	Arch    string  `json:"arch,omitempty"`
	Profile Profile `json:"profile"`
	// Digest names the image (a manifest digest, an ostree commit), when
	// its form has one.
	Digest string `json:"digest,omitempty"`
	// Bootc says the image declares itself a bootc image.
	Bootc bool `json:"bootc,omitempty"`
	// Notes say how the image was read (partitions and mounts, layouts).
	Notes []string `json:"notes,omitempty"`
	// Allowed are the allow file's statements, with their reasons.
	Allowed []AllowStatement `json:"allowed,omitempty"`
	// Rules is how many rules ran against the target.
	Rules int `json:"rules"`
	// Errors and Warnings are the findings, apart, each sorted by rule, path
	// and line.
	Errors   []Finding `json:"errors"`
	Warnings []Finding `json:"warnings"`
}

// Failed reports whether the report has findings at or above the profile's
// failing severity.
func (r *Report) Failed() bool {
	if len(r.Errors) > 0 {
		return true
	}
	return r.Profile == ProfileStrict && len(r.Warnings) > 0
}

// Findings returns errors then warnings.
func (r *Report) Findings() []Finding {
	return append(append([]Finding(nil), r.Errors...), r.Warnings...)
}

// RuleIDs lists the distinct rule IDs that found something, sorted.
func (r *Report) RuleIDs() []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range r.Findings() {
		if !seen[f.Rule] {
			seen[f.Rule] = true
			out = append(out, f.Rule)
		}
	}
	sort.Strings(out)
	return out
}

func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Message < b.Message
	})
}
