package selinux

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseFileContexts feeds file_contexts text to the parser: it must not
// panic, and whatever it accepts must be usable for lookups.
func FuzzParseFileContexts(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*file_contexts"))
	fuzzSeeds, _ := filepath.Glob(filepath.Join("testdata", "fuzz-seeds", "*.fc"))
	for _, p := range append(seeds, fuzzSeeds...) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "/usr/lib/qm/rootfs/etc/x")
	}
	f.Fuzz(func(t *testing.T, data []byte, path string) {
		fc, err := ParseFileContexts(bytes.NewReader(data), "fuzz.fc")
		if err != nil {
			return
		}
		for _, m := range []fs.FileMode{0, fs.ModeDir, fs.ModeSymlink, AnyType} {
			if s := fc.Match(path, m); s != nil && s.Context == "" {
				t.Fatalf("matched a line without context: %+v", s)
			}
		}
	})
}

// FuzzPlainPrefix: whenever an anchored file-context regex matches a path,
// the path starts with the regex's plain prefix, so skipping the regexes
// whose prefix a path lacks loses no match.
func FuzzPlainPrefix(f *testing.F) {
	for _, l := range sourceLines() {
		f.Add(l.Regex, "/usr/lib/qm/rootfs")
	}
	f.Add("/a|/b", "/b")
	f.Add(`/usr/lib/qm\\.d(/.*)?`, "/usr/lib/qm.d/x")
	f.Fuzz(func(t *testing.T, re, p string) {
		cr, err := compileAnchored(re)
		if err != nil || !cr.match(p) {
			return
		}
		if !strings.HasPrefix(p, plainPrefix(re)) {
			t.Fatalf("%q matches %q but lacks the prefix %q", re, p, plainPrefix(re))
		}
	})
}

// FuzzParseConfig: any /etc/selinux/config text gives a configuration whose
// policy type is one line.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte("SELINUX=enforcing\nSELINUXTYPE=targeted\n"))
	f.Add([]byte("# c\n SELINUX = \"permissive\" \nSELINUXTYPE='mls'\nSELINUX=Disabled"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := ParseConfig(data)
		if strings.ContainsAny(c.Type, "\n") {
			t.Fatalf("policy type %q spans lines", c.Type)
		}
	})
}

// FuzzParseSubstitutions: any file_contexts.subs text parses, in lookup
// order (the last line first), every entry naming its line.
func FuzzParseSubstitutions(f *testing.F) {
	f.Add([]byte("/run /var/run\n# comment\n/var/qm/x /y\nonlyone\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		subs, err := ParseSubstitutions(bytes.NewReader(data), "fuzz.subs")
		if err != nil {
			return
		}
		for i := 1; i < len(subs); i++ {
			if subs[i].Line >= subs[i-1].Line {
				t.Fatalf("not in lookup order: line %d before line %d", subs[i-1].Line, subs[i].Line)
			}
		}
	})
}
