package rpm_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/rpmspec/rpm"
	"github.com/qm-build/qm-build/rpmspec/rpm/rpmtest"
	"github.com/qm-build/qm-build/test/composed"
)

// writeAll writes pkgs into a new directory and returns the file paths.
func writeAll(t *testing.T, pkgs []*rpmspec.Package, o rpm.Options) []string {
	t.Helper()
	dir := t.TempDir()
	names, err := rpm.WriteDir(dir, pkgs, o)
	require.NoError(t, err)
	require.Len(t, names, len(pkgs))
	paths := make([]string, len(names))
	for i, n := range names {
		require.Equal(t, pkgs[i].FileName(), n)
		paths[i] = filepath.Join(dir, n)
	}
	return paths
}

func writeOne(t *testing.T, p *rpmspec.Package, o rpm.Options) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, rpm.Write(&b, p, o))
	return b.Bytes()
}

// fixtureSets are the package sets every model test runs on: what
// `qm-build rpm --dropin all --dropin-dir <user drop-ins>` writes, whatever
// the model currently holds, and the edge-case fixture.
func fixtureSets(t *testing.T) map[string][]*rpmspec.Package {
	return map[string][]*rpmspec.Package{
		"all":  composed.All(t),
		"edge": rpmtest.EdgePackages(),
	}
}

// permsString formats an rpm mode as rpm's ":perms" query format does
// (rpmPermsString in rpm's lib/formats.c).
func permsString(mode uint) string {
	b := []byte("----------")
	switch mode & 0o170000 {
	case 0o040000:
		b[0] = 'd'
	case 0o120000:
		b[0] = 'l'
	}
	const rwx = "rwxrwxrwx"
	for i := 0; i < 9; i++ {
		if mode&(1<<(8-i)) != 0 {
			b[i+1] = rwx[i]
		}
	}
	special := func(bit uint, pos int, set, unset byte) {
		if mode&bit != 0 {
			if b[pos] == 'x' {
				b[pos] = set
			} else {
				b[pos] = unset
			}
		}
	}
	special(0o4000, 3, 's', 'S')
	special(0o2000, 6, 's', 'S')
	special(0o1000, 9, 't', 'T')
	return string(b)
}

// fflagsString formats file flags as rpm's ":fflags" does: d, c, n, g in
// that order (fflagsFormat in rpm's lib/formats.c).
func fflagsString(f rpmspec.FileFlags) string {
	var s string
	if f&rpmspec.FlagDoc != 0 {
		s += "d"
	}
	if f&(rpmspec.FlagConfig|rpmspec.FlagNoReplace) != 0 {
		s += "c"
	}
	if f&rpmspec.FlagNoReplace != 0 {
		s += "n"
	}
	if f&rpmspec.FlagGhost != 0 {
		s += "g"
	}
	return s
}

// fileQuery lists each file as "flags perms owner:group path -> target".
const fileQuery = `[%{FILEFLAGS:fflags} %{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILENAMES} -> %{FILELINKTOS}\n]`

// expectedFiles is fileQuery's output as the model says it must be.
func expectedFiles(p *rpmspec.Package) []string {
	var out []string
	for _, f := range p.SortedFiles() {
		out = append(out, strings.Join([]string{fflagsString(f.Flags), permsString(f.RPMMode()), f.OwnerName() + ":" + f.GroupName(), f.Path, "->", f.Target}, " "))
	}
	return out
}

// scriptTags are the header tags of each scriptlet section.
var scriptTags = map[string]string{
	"pre": "PREIN", "post": "POSTIN", "preun": "PREUN",
	"postun": "POSTUN", "pretrans": "PRETRANS", "posttrans": "POSTTRANS",
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	return b
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
