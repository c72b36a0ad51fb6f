package check

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteText writes the report for people: one line a finding, errors first,
// then a summary line.
func WriteText(w io.Writer, r *Report) error {
	var b strings.Builder
	for _, f := range r.Findings() {
		b.WriteString(f.String() + "\n")
		for _, l := range f.ChainLines() {
			b.WriteString(l + "\n")
		}
	}
	verdict := "passed"
	if r.Failed() {
		verdict = "FAILED"
	}
	fmt.Fprintf(&b, "%s (%s): %d rules, %d error(s), %d warning(s), profile %s: %s\n",
		safeText(r.Target), r.Kind, r.Rules, len(r.Errors), len(r.Warnings), r.Profile, verdict)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the report as indented JSON.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteRules lists the rules: a table for people, or JSON.
func WriteRules(w io.Writer, rules []Rule, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rules)
	}
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSEVERITY\tGROUP\tRULE")
	for _, r := range rules {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.Severity, r.Group, r.Title)
	}
	return tw.Flush()
}
