package check

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/qm-build/qm-build/test/golden"
	"github.com/stretchr/testify/require"
)

// ffiTests are the runtime FFI tests of upstream QM (qm-upstream.md §9), the
// names rules may cite.
var ffiTests = []string{"memory", "oom-score-adj", "disk", "modules", "sysctl", "tcp_max_syn_backlog", "selinux",
	"deny_sched_setattr", "deny_set_scheduler", "mqueue", "devices", "/sys", "not visible", "sockets", "qm_nested",
	"agent-flood", "unit files", "all",
	// qm-build's own: CPU interference has no upstream runtime test.
	"cpu"}

func TestRulesAreWellFormed(t *testing.T) {
	idRE := regexp.MustCompile(`^QM[1-8][0-9][0-9]$`)
	seen := map[string]bool{}
	prev := ""
	for _, r := range Rules() {
		t.Run(r.ID, func(t *testing.T) {
			require.Regexp(t, idRE, r.ID)
			require.False(t, seen[r.ID], "duplicate ID")
			require.Greater(t, r.ID, prev, "rules are listed in ID order")
			require.Contains(t, []Severity{Warning, Error}, r.Severity)
			require.NotEmpty(t, r.Group)
			require.NotEmpty(t, r.Title)
			require.NotContains(t, r.Title, "\n", "the title is one line")
			require.NotNil(t, r.Check)
			require.NotEmpty(t, r.FFI, "every rule names the FFI property it guards")
			for _, f := range r.FFI {
				require.Contains(t, ffiTests, f)
				if f != "all" {
					require.Contains(t, r.Rationale, "'"+f+"'", "the rationale names the FFI test %q", f)
				}
			}
			wantScope := ScopeImage
			if r.Group == GroupPackages {
				wantScope = ScopePackages
			}
			require.Equal(t, wantScope, r.Scope)
			got, ok := RuleByID(r.ID)
			require.True(t, ok)
			require.Equal(t, r.Title, got.Title)
		})
		seen[r.ID] = true
		prev = r.ID
	}
	_, ok := RuleByID("QM999")
	require.False(t, ok)
}

// TestRulesTable keeps testdata/rules.md, the README's rules table, in sync
// with the rule list (go test ./stages/check -update rewrites it).
func TestRulesTable(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, WriteRulesMarkdown(&b, Rules()))
	golden.Check(t, filepath.Join("testdata", "rules.md"), b.Bytes())
	// docs/check.md, the checker's documentation, carries the same table.
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "check.md"))
	require.NoError(t, err)
	require.Contains(t, string(doc), b.String(), "docs/check.md's rules table is out of date: copy stages/check/testdata/rules.md")
}

func TestListRulesText(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, WriteRules(&b, Rules(), false))
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	require.Len(t, lines, len(Rules())+1)
	require.Regexp(t, `^QM101\s+error\s+quadlet\s+qm.service is the unit quadlet generates`, lines[1])
	b.Reset()
	require.NoError(t, WriteRules(&b, Rules(), true))
	require.Contains(t, b.String(), `"rationale": "`)
	require.Contains(t, b.String(), `"id": "QM805"`)
}
