package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCheckHelpListsTheForms: `check --help` lists every target form and
// says a bare path is recognised (issue 12, item 6).
func TestCheckHelpListsTheForms(t *testing.T) {
	r := runCLI(t, nil, "check", "--help")
	require.Equal(t, exitOK, r.code, r.stderr)
	for _, form := range []string{"oci:DIR[:REF]", "oci-archive:FILE[:REF]", "docker-archive:FILE[:TAG|:@N]",
		"repo:DIR", "rpms:DIR", "DIR (or dir:DIR)", "FILE ", "a bare path is recognised"} {
		require.Contains(t, r.stdout, form)
	}
}
