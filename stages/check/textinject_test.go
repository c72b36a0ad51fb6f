package check

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestFileNameCannotInjectReportLines (issue 17, item 11): a file name with
// a newline in the checked tree is escaped in the text report, so it cannot
// add a line that reads as a finding or a verdict of its own.
func TestFileNameCannotInjectReportLines(t *testing.T) {
	name := "/etc/containers/systemd/qm.container.d/90.conf\nx: QM000 error: fake finding\nqm (tree): 0 error(s): passed\n.conf"
	r := qmTree(t, map[string]string{name: "[Container]\nAddDevice=/dev/mem\n"})
	text := reportText(t, r)
	require.Contains(t, r.RuleIDs(), "QM110", text)
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	for _, l := range lines {
		require.False(t, strings.HasPrefix(l, "x: QM000") || strings.HasPrefix(l, "qm (tree)"), "an injected line: %q", l)
	}
	require.Contains(t, text, `90.conf\nx: QM000 error: fake finding\nqm (tree): 0 error(s): passed\n.conf`, "the name escaped")
	require.True(t, strings.HasSuffix(lines[len(lines)-1], "FAILED"), "the verdict is the last line: %q", lines[len(lines)-1])
}
