package check

import (
	"encoding/json"
	"io"
	"strings"
)

// SARIF 2.1.0 (OASIS, sarif-v2.1.0-errata01): the subset qm-build writes.
// The test validates it against the official JSON schema.

const (
	sarifVersion = "2.1.0"
	sarifSchema  = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	// sarifBase is the uriBaseId of image paths: findings name files
	// relative to the image root.
	sarifBase = "IMAGEROOT"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool               sarifTool                `json:"tool"`
	OriginalURIBaseIDs map[string]sarifArtifact `json:"originalUriBaseIds,omitempty"`
	Results            []sarifResult            `json:"results"`
	Properties         map[string]any           `json:"properties,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name    string      `json:"name"`
	Version string      `json:"version,omitempty"`
	Rules   []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name,omitempty"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties,omitempty"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations"`
	// RelatedLocations are the finding's chain, origin first: the files and
	// lines that produced the effective value (SARIF 2.1.0 §3.27.22).
	RelatedLocations []sarifLocation `json:"relatedLocations,omitempty"`
}

type sarifLocation struct {
	ID               *int          `json:"id,omitempty"`
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
	Message          *sarifText    `json:"message,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

// WriteSARIF writes the report as a SARIF 2.1.0 log with one run. Every rule
// of rules is described, so that viewers can show rules without results.
func WriteSARIF(w io.Writer, r *Report, rules []Rule, toolVersion string) error {
	index := map[string]int{}
	run := sarifRun{
		Tool:       sarifTool{Driver: sarifDriver{Name: "qm-build check", Version: toolVersion}},
		Results:    []sarifResult{},
		Properties: map[string]any{"target": r.Target, "kind": r.Kind, "profile": string(r.Profile)},
	}
	for i, rule := range rules {
		index[rule.ID] = i
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
			ID:                   rule.ID,
			Name:                 string(rule.Group),
			ShortDescription:     sarifText{rule.Title},
			FullDescription:      sarifText{rule.Rationale},
			DefaultConfiguration: sarifConfig{Level: rule.Severity.String()},
			Properties:           map[string]any{"ffi": append([]string{}, rule.FFI...)},
		})
	}
	if r.Arch != "" {
		run.Properties["arch"] = r.Arch
	}
	image := r.Kind != "rpms" && r.Kind != "repo"
	if image {
		run.OriginalURIBaseIDs = map[string]sarifArtifact{sarifBase: {URI: "file:///"}}
	}
	physical := func(p string, line int) sarifPhysical {
		loc := sarifPhysical{ArtifactLocation: sarifArtifact{URI: sarifURI(p)}}
		if image {
			loc.ArtifactLocation.URIBaseID = sarifBase
		}
		if line > 0 {
			loc.Region = &sarifRegion{StartLine: line}
		}
		return loc
	}
	for _, f := range r.Findings() {
		loc := physical(f.Path, f.Line)
		var related []sarifLocation
		for i, l := range f.Chain {
			id := i
			related = append(related, sarifLocation{ID: &id, PhysicalLocation: physical(l.Path, l.Line), Message: &sarifText{l.Note}})
		}
		i, ok := index[f.Rule]
		if !ok {
			i = -1
		}
		run.Results = append(run.Results, sarifResult{
			RuleID: f.Rule, RuleIndex: i, Level: f.Severity.String(),
			Message:          sarifText{f.Message},
			Locations:        []sarifLocation{{PhysicalLocation: loc}},
			RelatedLocations: related,
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}})
}

// sarifURI turns an image path into a relative URI reference, escaping what
// RFC 3986 does not allow in a path.
func sarifURI(p string) string {
	p = strings.TrimPrefix(p, "/")
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		ch := p[i]
		if ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || strings.IndexByte("-._~/!$&'()*+,;=@", ch) >= 0 {
			b.WriteByte(ch)
		} else {
			b.WriteString("%" + strings.ToUpper(hex2(ch)))
		}
	}
	if b.Len() == 0 {
		return "."
	}
	return b.String()
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&15]})
}
