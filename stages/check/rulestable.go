package check

import (
	"fmt"
	"io"
	"strings"
)

// WriteRulesMarkdown writes the rules as the Markdown table of the README
// (the test keeps testdata/rules.md, and so the README, in sync).
func WriteRulesMarkdown(w io.Writer, rules []Rule) error {
	var b strings.Builder
	b.WriteString("| ID | Severity | Group | Rule | Guards (upstream FFI test) |\n")
	b.WriteString("|---|---|---|---|---|\n")
	for _, r := range rules {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", r.ID, r.Severity, r.Group, mdEscape(r.Title), mdEscape(strings.Join(r.FFI, ", ")))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
