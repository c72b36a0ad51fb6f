package systemd

import (
	"strings"
	"testing"
)

// FuzzParseEnvFile: any EnvironmentFile= text gives assignments of names
// without '=' or blanks, on lines of the file, in order.
func FuzzParseEnvFile(f *testing.F) {
	f.Add("A=1\nB='two words'\n# c\nC=\"x\\\"y\"\nD=a\\\n b\n")
	f.Add("export X=1\n=bad\n  SPACED = v \n")
	f.Fuzz(func(t *testing.T, s string) {
		lines := strings.Count(s, "\n") + 1
		last := 0
		for _, a := range ParseEnvFile(s) {
			if a.Name == "" || strings.ContainsAny(a.Name, "= \t\n") {
				t.Fatalf("bad name %q", a.Name)
			}
			if a.Line < last || a.Line < 1 || a.Line > lines {
				t.Fatalf("line %d out of order or range (%d lines)", a.Line, lines)
			}
			last = a.Line
		}
	})
}
