package rpmspec_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/test/golden"
)

const (
	tableBegin = "<!-- catalog-table: generated from rpmspec/catalog by `go test ./rpmspec -run TestReadmeCatalogTable -update` -->"
	tableEnd   = "<!-- end catalog-table -->"
)

// catalogTable renders the built-in catalog as the README's markdown table.
func catalogTable(cat *rpmspec.Catalog) string {
	code := func(items []string) string {
		if len(items) == 0 {
			return "–"
		}
		out := make([]string, len(items))
		for i, s := range items {
			out[i] = "`" + s + "`"
		}
		return strings.Join(out, ", ")
	}
	var b strings.Builder
	b.WriteString("| Drop-in | Package | Status | What it adds | Devices for QM | Annotations on QM (qm-oci-hooks) | Devices for nested containers | Also provides (legacy names) |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	for _, d := range cat.All() {
		summary := d.Summary
		if len(d.Needs) > 0 {
			summary += "; needs " + code(d.Needs)
		}
		pkg := "`" + d.PackageName() + "`"
		if d.Version != "" {
			pkg += " " + d.Version
		}
		if d.HookProgram {
			pkg += " (per architecture)"
		}
		var annotations []string
		for _, a := range d.Annotations {
			annotations = append(annotations, a.String())
		}
		b.WriteString("| `" + d.Name + "` | " + pkg + " | " + d.Status + " | " + summary + " | " +
			code(d.Devices.QM) + " | " + code(annotations) + " | " + code(d.Devices.Nested) + " | " + code(d.Legacy) + " |\n")
	}
	return b.String()
}

// TestReadmeCatalogTable keeps the catalog table of docs/packages.md (once
// the README's) true to the catalog; -update rewrites the table between its
// markers.
func TestReadmeCatalogTable(t *testing.T) {
	cat, err := rpmspec.Builtin()
	require.NoError(t, err)
	readme := filepath.Join("..", "docs", "packages.md")
	data, err := os.ReadFile(readme)
	require.NoError(t, err)
	text := string(data)
	i, j := strings.Index(text, tableBegin), strings.Index(text, tableEnd)
	require.True(t, i >= 0 && j > i, "docs/packages.md has no catalog table between %q and %q", tableBegin, tableEnd)
	want := tableBegin + "\n" + catalogTable(cat) + tableEnd
	if golden.Update() {
		text = text[:i] + want + text[j+len(tableEnd):]
		require.NoError(t, os.WriteFile(readme, []byte(text), 0o644))
	}
	require.Equal(t, want, text[i:j+len(tableEnd)], "docs/packages.md's catalog table is stale: go test ./rpmspec -run TestReadmeCatalogTable -update")
}
