package rpm_test

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/rpmspec/rpm"
	"github.com/qm-build/qm-build/rpmspec/rpm/rpmtest"
	"github.com/qm-build/qm-build/test/composed"
	"github.com/qm-build/qm-build/test/verifiers"
)

// TestQueriesMatchModel writes every package and reads each back with
// `rpm -qp`, field by field, against the model it came from.
func TestQueriesMatchModel(t *testing.T) {
	r := rpmtest.NewRPM(t)
	for set, pkgs := range fixtureSets(t) {
		paths := writeAll(t, pkgs, rpm.Options{BuildTime: rpmtest.Epoch})
		for i, p := range pkgs {
			file := paths[i]
			t.Run(set+"/"+p.Name, func(t *testing.T) {
				t.Run("digests", func(t *testing.T) {
					res := r.Run(t, "rpm", "-K", "--nosignature", file)
					require.Equal(t, 0, res.Code, res.Stdout+res.Stderr)
					require.Contains(t, res.Stdout, "digests OK")
				})
				t.Run("header", func(t *testing.T) {
					got := r.Query(t, "%{NAME}|%{VERSION}|%{RELEASE}|%{ARCH}|%{EPOCH}|%{LICENSE}|%{URL}|%{SUMMARY}|%{BUILDTIME}|%{BUILDHOST}|%{SOURCERPM}\n", file)
					src := p.SourceRPM
					if src == "" {
						src = "qm-" + p.EVR() + ".src.rpm"
					}
					want := strings.Join([]string{p.Name, p.Version, p.Release, p.Arch, "(none)", p.License, p.URL, p.Summary,
						fmt.Sprint(rpmtest.Epoch.Unix()), rpm.BuildHost, src}, "|") + "\n"
					require.Equal(t, want, got)
					require.Equal(t, p.HeaderDescription(), r.Query(t, "%{DESCRIPTION}", file))
				})
				t.Run("files", func(t *testing.T) {
					require.Equal(t, expectedFiles(p), rpmtest.Lines(r.Query(t, fileQuery, file)))
				})
				t.Run("relations", func(t *testing.T) { checkRelations(t, r, p, file) })
				t.Run("scripts", func(t *testing.T) {
					for section, tag := range scriptTags {
						want := "(none)|(none)"
						p.Scripts.Each(func(s, body string) {
							if s == section {
								want = rpmspec.HeaderScript(body) + "|/bin/sh"
							}
						})
						require.Equal(t, want, r.Query(t, "%{"+tag+"}|%{"+tag+"PROG}", file), section)
					}
				})
			})
		}
	}
}

// checkRelations checks that every relation of the model is in the header,
// that the writer added the self-provide and config() provide, and that any
// other requirement is one the package documents it adds.
func checkRelations(t *testing.T, r rpmtest.RPM, p *rpmspec.Package, file string) {
	kinds := []struct {
		tag   string
		model rpmspec.Relations
	}{
		{"PROVIDE", p.Provides}, {"REQUIRE", p.Requires}, {"OBSOLETE", p.Obsoletes},
		{"CONFLICT", p.Conflicts}, {"RECOMMEND", p.Recommends},
	}
	got := map[string][]string{}
	for _, k := range kinds {
		got[k.tag] = rpmtest.Lines(r.Query(t, "[%{"+k.tag+"NEVRS}\n]", file))
		for _, rel := range k.model {
			require.Contains(t, got[k.tag], rel.String(), k.tag)
		}
	}
	require.Contains(t, got["PROVIDE"], p.Name+" = "+p.EVR(), "self-provide")
	hasConfig, interps := false, map[string]bool{}
	for _, f := range p.Files {
		if f.Flags&rpmspec.FlagConfig != 0 {
			hasConfig = true
		}
		if f.Kind == rpmspec.KindFile && f.Mode&0o111 != 0 && strings.HasPrefix(string(f.Body), "#!") {
			interps[strings.Fields(strings.TrimPrefix(strings.SplitN(string(f.Body), "\n", 2)[0], "#!"))[0]] = true
		}
	}
	cfg := "config(" + p.Name + ") = " + p.EVR()
	if hasConfig {
		require.Contains(t, got["PROVIDE"], cfg)
		require.Contains(t, got["REQUIRE"], cfg)
	} else {
		require.NotContains(t, got["PROVIDE"], cfg)
	}
	for _, req := range got["REQUIRE"] {
		name := strings.Fields(req)[0]
		inModel := false
		for _, rel := range p.Requires {
			inModel = inModel || rel.String() == req
		}
		switch {
		case inModel, strings.HasPrefix(name, "rpmlib("), req == cfg && hasConfig, interps[name]:
		case name == "/bin/sh":
			n := 0
			p.Scripts.Each(func(string, string) { n++ })
			require.NotZero(t, n, "/bin/sh required without scriptlets")
		default:
			t.Errorf("requirement %q is neither in the model nor one the writer documents", req)
		}
	}
}

func TestCompressors(t *testing.T) {
	r := rpmtest.NewRPM(t)
	pkgs := composed.All(t)
	for _, comp := range rpm.Compressors {
		t.Run(comp, func(t *testing.T) {
			o := rpm.Options{Compressor: comp, BuildTime: rpmtest.Epoch}
			first := writeAll(t, pkgs, o)
			second := writeAll(t, pkgs, o)
			for i := range first {
				require.Equal(t, readFile(t, first[i]), readFile(t, second[i]), "%s is not reproducible", filepath.Base(first[i]))
				require.Equal(t, comp, r.Query(t, "%{PAYLOADCOMPRESSOR}", first[i]))
				res := r.Run(t, "sh", "-c", "rpm2cpio \"$1\" | cpio -it --quiet", "sh", first[i])
				require.Equal(t, 0, res.Code, res.Stderr)
				var want []string
				for _, f := range pkgs[i].SortedFiles() {
					if f.Flags&rpmspec.FlagGhost == 0 {
						want = append(want, "."+f.Path)
					}
				}
				require.Equal(t, want, rpmtest.Lines(res.Stdout))
			}
		})
	}
}

func TestBuildTimeChangesOutput(t *testing.T) {
	p := composed.All(t)[0]
	a := writeOne(t, p, rpm.Options{BuildTime: rpmtest.Epoch})
	b := writeOne(t, p, rpm.Options{BuildTime: rpmtest.Epoch.Add(1)})
	require.Equal(t, a, writeOne(t, p, rpm.Options{BuildTime: rpmtest.Epoch}))
	require.NotEqual(t, a, writeOne(t, p, rpm.Options{BuildTime: rpmtest.Epoch.Add(86400e9)}))
	require.Equal(t, a, b, "sub-second differences are below rpm's resolution")
}

func TestWriteBadInput(t *testing.T) {
	base := func() *rpmspec.Package { return rpmtest.EdgePackages()[1] }
	for _, tc := range []struct {
		name   string
		pkg    func() *rpmspec.Package
		o      rpm.Options
		want   string
		badInp bool
	}{
		{"unknown compressor", base, rpm.Options{Compressor: "bzip2"}, `--compress: "bzip2" is not a payload compression`, true},
		{"version with dash", func() *rpmspec.Package { p := base(); p.Version = "1-2"; return p }, rpm.Options{}, "version", true},
		{"relative path", func() *rpmspec.Package { p := base(); p.Files[0].Path = "etc/x"; return p }, rpm.Options{}, "relative", true},
		{"ghost config", func() *rpmspec.Package {
			p := base()
			p.Files[0].Flags |= rpmspec.FlagGhost
			p.Files[0].Body = nil
			return p
		}, rpm.Options{}, "%ghost cannot be combined", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var sb strings.Builder
			err := rpm.Write(&sb, tc.pkg(), tc.o)
			require.ErrorContains(t, err, tc.want)
			var bi interface{ BadInput() bool }
			require.Equal(t, tc.badInp, errorsAs(err, &bi) && bi.BadInput())
			require.Zero(t, sb.Len(), "nothing is written on error")
		})
	}
}

// TestIssue14UnpackStaysBelowTheDirectory extracts every package by hand,
// `rpm2cpio X | cpio -idm` as root in an empty directory: every payload
// member is named "./…", and the files land below that directory, exactly
// the package's non-%ghost files with their modes.
func TestIssue14UnpackStaysBelowTheDirectory(t *testing.T) {
	r := rpmtest.NewRPM(t)
	for set, pkgs := range fixtureSets(t) {
		paths := writeAll(t, pkgs, rpm.Options{BuildTime: rpmtest.Epoch})
		for i, p := range pkgs {
			t.Run(set+"/"+p.Name, func(t *testing.T) {
				names := r.Run(t, "bash", "-c", `set -o pipefail; rpm2cpio "$1" | cpio -it --quiet`, "bash", paths[i])
				require.Equal(t, 0, names.Code, names.Stderr)
				for _, n := range rpmtest.Lines(names.Stdout) {
					require.True(t, strings.HasPrefix(n, "./"), "member %q is not relative to the root", n)
					require.NotContains(t, "/"+n+"/", "/../")
				}
				parent := t.TempDir()
				dir := filepath.Join(parent, "unpack")
				require.NoError(t, os.Mkdir(dir, 0o755))
				res := verifiers.Cmd{Dir: dir}.Run(t, "bash", "-c", `set -o pipefail; rpm2cpio "$1" | cpio -idm --quiet`, "bash", paths[i])
				require.Equal(t, 0, res.Code, res.Stderr)
				top, err := os.ReadDir(parent)
				require.NoError(t, err)
				require.Len(t, top, 1, "cpio wrote beside the directory")
				var want, got []string
				for _, f := range p.SortedFiles() {
					if f.Flags&rpmspec.FlagGhost == 0 {
						want = append(want, fmt.Sprintf("%s %s", f.Path, permsString(f.RPMMode())))
					}
				}
				require.NoError(t, filepath.WalkDir(dir, func(pth string, d fs.DirEntry, err error) error {
					if err != nil || pth == dir {
						return err
					}
					fi, err := os.Lstat(pth)
					if err != nil {
						return err
					}
					rel := strings.TrimPrefix(pth, dir)
					mode := uint(fi.Mode().Perm())
					switch {
					case fi.IsDir():
						mode |= 0o040000
					case fi.Mode()&fs.ModeSymlink != 0:
						mode = 0o120777
					}
					if fi.Mode()&fs.ModeSetuid != 0 {
						mode |= 0o4000
					}
					if !fi.IsDir() || containsPath(want, rel) {
						got = append(got, fmt.Sprintf("%s %s", rel, permsString(mode)))
					}
					return nil
				}))
				sort.Strings(got)
				require.Equal(t, want, got)
			})
		}
	}
}

// containsPath reports whether a "path perms" line of list names p.
func containsPath(list []string, p string) bool {
	for _, l := range list {
		if strings.HasPrefix(l, p+" ") {
			return true
		}
	}
	return false
}
