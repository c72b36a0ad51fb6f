package selinux

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCILGrants(t *testing.T) {
	cil := `; comment (allow qm_t self (capability (sys_module)))
(typeattributeset qm_domain (qm_t other_t))
(classpermission mods)
(classpermissionset mods (system (module_load)))
(allow qm_domain self (capability (all)))
(allow qm_t kernel_t mods)
(allow other_t self (security (setenforce)))
(allow qm_t self (security ("setbool")))
`
	got := CILGrants(cil, "qm_t", map[string][]string{"capability": {"sys_module"}, "system": {"module_load"}})
	var perms []string
	for _, g := range got {
		perms = append(perms, g.Class+" "+g.Perm)
	}
	require.Contains(t, perms, "capability sys_module", "through the attribute and the all keyword")
	require.Contains(t, perms, "system module_load", "through the classpermissionset")
	require.NotContains(t, perms, "security setenforce", "another domain's grant")
	require.Equal(t, 5, got[0].Line)
}

// FuzzCILGrants: the CIL reader never fails and names lines in the text.
func FuzzCILGrants(f *testing.F) {
	data, err := os.ReadFile(filepath.Join("testdata", "qm-upstream.cil"))
	require.NoError(f, err)
	f.Add(string(data))
	f.Add("(allow qm_t self (capability (all)))\n(typeattributeset a (qm_t))(allow a b (c (\"d\"))")
	f.Fuzz(func(t *testing.T, text string) {
		lines := strings.Count(text, "\n") + 1
		for _, g := range CILGrants(text, "qm_t", map[string][]string{"capability": {"sys_module"}, "system": {"module_load"}}) {
			require.LessOrEqual(t, g.Line, lines)
			require.GreaterOrEqual(t, g.Line, 1)
		}
	})
}
