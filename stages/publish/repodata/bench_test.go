package repodata_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qm-build/qm-build/stages/publish/publishtest/testrpm"
	"github.com/qm-build/qm-build/stages/publish/repodata"
	"github.com/qm-build/qm-build/test/verifiers"
)

// The comparisons run qm-build's Generate in-process and the real
// createrepo_c (--no-database: qm-build writes no sqlite) as a process, on
// the same RPMs in the same run; `make bench` prints them side by side.

func benchDir(b *testing.B, specs []testrpm.Spec, project bool) string {
	b.Helper()
	dir := b.TempDir()
	if project {
		testrpm.WriteProject(b, dir, nil)
	}
	testrpm.Write(b, dir, specs...)
	return dir
}

func benchGenerate(b *testing.B, dir string, update bool) {
	b.Helper()
	root, err := os.OpenRoot(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer root.Close()
	if _, err := repodata.Generate(context.Background(), root, repodata.Options{Time: fixedTime, Update: update}); err != nil {
		b.Fatal(err)
	}
}

func benchCreaterepo(b *testing.B, cr, dir string, args ...string) {
	b.Helper()
	r := verifiers.Run(b, cr, append(append([]string{"--no-database", "--quiet"}, args...), dir)...)
	if r.Code != 0 {
		b.Fatal(r.Stderr)
	}
}

func benchFresh(b *testing.B, dir string) {
	cr := verifiers.Need(b, "createrepo_c")
	b.Run("qm-build", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			_ = os.RemoveAll(filepath.Join(dir, "repodata"))
			b.StartTimer()
			benchGenerate(b, dir, false)
		}
	})
	b.Run("createrepo_c", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			_ = os.RemoveAll(filepath.Join(dir, "repodata"))
			b.StartTimer()
			benchCreaterepo(b, cr, dir)
		}
	})
}

// BenchmarkVsRepo indexes the project's packages (qm and every drop-in).
func BenchmarkVsRepo(b *testing.B) {
	benchFresh(b, benchDir(b, nil, true))
}

// BenchmarkVsRepo500 indexes 500 generated packages.
func BenchmarkVsRepo500(b *testing.B) {
	benchFresh(b, benchDir(b, testrpm.Generated(500), false))
}

// BenchmarkVsRepoUpdate re-indexes 500 packages after one of them changed,
// against createrepo_c --update.
func BenchmarkVsRepoUpdate(b *testing.B) {
	cr := verifiers.Need(b, "createrepo_c")
	specs := testrpm.Generated(500)
	variants := [2][]byte{}
	for i := range variants {
		s := specs[250]
		s.Release = []string{"1", "2"}[i]
		s.Files = map[string]string{"/usr/bin/changed": strings.Repeat("x", 10+100*i)} // sizes differ, so the change shows
		variants[i] = testrpm.Build(b, s)
	}
	run := func(b *testing.B, index func(dir string)) {
		// Building the RPMs and the first full index are set-up, not the
		// update being measured.
		b.StopTimer()
		dir := benchDir(b, specs, false)
		index(dir)
		b.StartTimer()
		target := filepath.Join(dir, specs[250].FileName())
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			if err := os.WriteFile(target, variants[i%2], 0o644); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			index(dir)
		}
	}
	b.Run("qm-build", func(b *testing.B) { run(b, func(dir string) { benchGenerate(b, dir, true) }) })
	b.Run("createrepo_c", func(b *testing.B) { run(b, func(dir string) { benchCreaterepo(b, cr, dir, "--update") }) })
}
