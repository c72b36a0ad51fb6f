package selinux

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
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
