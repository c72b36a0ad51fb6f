package check

import (
	"encoding/json"
	"fmt"
)

// Severity is how bad a finding is.
type Severity int

// Severities. The zero value is not a severity.
const (
	Warning Severity = iota + 1
	Error
)

func (s Severity) String() string {
	switch s {
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// MarshalText spells the severity in JSON.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity back.
func (s *Severity) UnmarshalText(b []byte) error {
	switch string(b) {
	case "warning":
		*s = Warning
	case "error":
		*s = Error
	default:
		return fmt.Errorf("unknown severity %q", b)
	}
	return nil
}

// Group is the topic of a rule, as the issue and the README group them.
type Group string

// The rule groups, in report order.
const (
	GroupQuadlet   Group = "quadlet"
	GroupOOM       Group = "oom"
	GroupResources Group = "resources"
	GroupSELinux   Group = "selinux"
	GroupBlueChi   Group = "bluechi"
	GroupHygiene   Group = "hygiene"
	GroupArch      Group = "arch"
	GroupPackages  Group = "packages"
)

// Scope says which targets a rule reads.
type Scope int

// Scopes.
const (
	ScopeImage    Scope = iota // image trees and container images
	ScopePackages              // RPM directories and repositories
)

// Rule is one check.
type Rule struct {
	ID       string
	Severity Severity
	Group    Group
	Scope    Scope
	// Title is one line: what the rule requires.
	Title string
	// Rationale says why: the freedom-from-interference property protected,
	// naming the upstream FFI test(s) in FFI.
	Rationale string
	// FFI are the upstream runtime FFI tests whose property the rule guards
	// statically (names as in qm-upstream.md §9).
	FFI []string
	// Check returns the rule's findings; the runner fills Rule and Severity.
	Check func(c *Context) []Finding
}

// MarshalJSON leaves the function out.
func (r Rule) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ID        string   `json:"id"`
		Severity  Severity `json:"severity"`
		Group     Group    `json:"group"`
		Scope     string   `json:"scope"`
		Title     string   `json:"title"`
		Rationale string   `json:"rationale"`
		FFI       []string `json:"ffi,omitempty"`
	}{r.ID, r.Severity, r.Group, r.scopeName(), r.Title, r.Rationale, r.FFI})
}

func (r Rule) scopeName() string {
	if r.Scope == ScopePackages {
		return "packages"
	}
	return "image"
}

// Rules returns every rule, in ID order. The slice is the registry: a new rule
// is a file and a line here.
func Rules() []Rule {
	return []Rule{
		// Quadlet: QM's container (podman-systemd.unit(5)).
		ruleQM101, ruleQM102, ruleQM103, ruleQM104, ruleQM105, ruleQM106,
		ruleQM107, ruleQM108, ruleQM109, ruleQM110, ruleQM111, ruleQM112,
		ruleQM113, ruleQM114, ruleQM115, ruleQM116, ruleQM117, ruleQM118,
		ruleQM119, ruleQM120, ruleQM121, ruleQM122, ruleQM123,
		// OOM ordering.
		ruleQM201, ruleQM202, ruleQM203, ruleQM204,
		// Resources.
		ruleQM301, ruleQM302, ruleQM303, ruleQM304, ruleQM305,
		// SELinux.
		ruleQM401, ruleQM402, ruleQM403, ruleQM404, ruleQM405, ruleQM406, ruleQM407, ruleQM408,
		// BlueChi.
		ruleQM501, ruleQM502, ruleQM503,
		// Rootfs hygiene.
		ruleQM601, ruleQM602, ruleQM603, ruleQM604, ruleQM605, ruleQM606, ruleQM607, ruleQM608,
		// Architecture.
		ruleQM701,
		// Packages.
		ruleQM801, ruleQM802, ruleQM803, ruleQM804, ruleQM805,
	}
}

// RuleByID finds a rule.
func RuleByID(id string) (Rule, bool) {
	for _, r := range Rules() {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}
