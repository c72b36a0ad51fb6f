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
