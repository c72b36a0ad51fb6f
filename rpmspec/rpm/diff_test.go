package rpm_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/rpmspec/rpm"
	"github.com/qm-build/qm-build/rpmspec/rpm/rpmtest"
	"github.com/qm-build/qm-build/test/verifiers"
)

// viewQuery is everything the differential test compares between the Go
// writer's packages and rpmbuild's: header fields, every relation with its
// flags, every file with mode, owner, flags, mtime, link target, size and
// digest, its class, color and per-file requirements (rpmbuild's rpmfc), and
// every scriptlet with its interpreter.
var viewQuery = strings.Join([]string{
	"N=%{NAME} V=%{VERSION} R=%{RELEASE} A=%{ARCH} E=%{EPOCH}",
	"SUMMARY=%{SUMMARY}",
	"LICENSE=%{LICENSE} URL=%{URL} SOURCERPM=%{SOURCERPM} BUILDTIME=%{BUILDTIME} BUILDHOST=%{BUILDHOST} PAYLOAD=%{PAYLOADCOMPRESSOR}",
	"DESCRIPTION=%{DESCRIPTION}",
	"[P %{PROVIDENAME} %{PROVIDEFLAGS} %{PROVIDEVERSION}\n]" +
		"[R %{REQUIRENAME} %{REQUIREFLAGS} %{REQUIREVERSION}\n]" +
		"[O %{OBSOLETENAME} %{OBSOLETEFLAGS} %{OBSOLETEVERSION}\n]" +
		"[C %{CONFLICTNAME} %{CONFLICTFLAGS} %{CONFLICTVERSION}\n]" +
		"[W %{RECOMMENDNAME} %{RECOMMENDFLAGS} %{RECOMMENDVERSION}\n]" +
		"[F %{FILENAMES} %{FILEMODES:octal} %{FILEUSERNAME}:%{FILEGROUPNAME} flags=%{FILEFLAGS} mtime=%{FILEMTIMES} link=%{FILELINKTOS} size=%{FILESIZES} digest=%{FILEDIGESTS}\n]" +
		"[K %{FILENAMES} color=%{FILECOLORS} requires=%{FILEREQUIRE} class=%{FILECLASS}\n]" +
		"PRE=%{PREIN}|%{PREINPROG}",
	"POST=%{POSTIN}|%{POSTINPROG}",
	"PREUN=%{PREUN}|%{PREUNPROG}",
	"POSTUN=%{POSTUN}|%{POSTUNPROG}",
	"PRETRANS=%{PRETRANS}|%{PRETRANSPROG}",
	"POSTTRANS=%{POSTTRANS}|%{POSTTRANSPROG}",
	"",
}, "\n")

// normalise removes what legitimately differs between the two writers:
//   - directory sizes: rpmbuild records the build host's st_size (file-system
//     dependent), rpmpack 4096; rpm never verifies a directory's size;
//   - %ghost digests: rpmpack records the digest of empty content, rpmbuild
//     none; a ghost has no content to verify;
//   - classes of binary data that libmagic names by content heuristics
//     (image formats: the edge fixture's 0..255 byte ramp reads as a Targa
//     image): qm-build records no class for data (rpm.Describe), and neither
//     rpm nor rpmlint reads these classes (rpmlint only the size of icons).
func normalise(view string) string {
	var out []string
	for _, l := range strings.Split(view, "\n") {
		if strings.HasPrefix(l, "K ") {
			if before, class, _ := strings.Cut(l, " class="); strings.Contains(class, " image data") {
				l = before + " class="
			}
		}
		if strings.HasPrefix(l, "F ") {
			f := strings.Fields(l)
			if strings.HasPrefix(f[2], "4") { // 040755: a directory
				l = strings.Replace(l, " size="+strings.TrimPrefix(f[7], "size="), " size=dir", 1)
			}
			if flags := strings.TrimPrefix(f[4], "flags="); flags == fmt.Sprint(64) {
				l = l[:strings.Index(l, " digest=")] + " digest=ghost"
			}
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// rpmbuildSpec renders pkgs as specs and builds them with rpmbuild the
// reproducible way (verifiers.md §1), with a zstd payload at level 1 as the
// Go writer's default, and returns the RPMs by file name. The noarch
// packages make one spec, as `qm-build spec` renders it; a package built for
// an architecture (the hook package) is the main package of a spec of its
// own, since rpmbuild builds one architecture per spec.
func rpmbuildSpec(t testing.TB, r rpmtest.RPM, pkgs []*rpmspec.Package) map[string]string {
	t.Helper()
	verifiers.Need(t, "rpmbuild")
	var noarch []*rpmspec.Package
	specs := [][]*rpmspec.Package{}
	for _, p := range pkgs {
		if p.Arch == "noarch" {
			noarch = append(noarch, p)
		} else {
			specs = append(specs, []*rpmspec.Package{p})
		}
	}
	specs = append([][]*rpmspec.Package{noarch}, specs...)
	top := t.TempDir()
	for i, set := range specs {
		var spec bytes.Buffer
		require.NoError(t, rpmspec.Spec(&spec, set))
		specFile := filepath.Join(top, fmt.Sprintf("%d-%s.spec", i, set[0].Name))
		require.NoError(t, os.WriteFile(specFile, spec.Bytes(), 0o644))
		res := verifiers.Cmd{Env: []string{"HOME=" + r.Home, fmt.Sprintf("SOURCE_DATE_EPOCH=%d", rpmtest.Epoch.Unix())}}.Run(t,
			"rpmbuild", "-bb", "--quiet",
			"--define", "_buildhost "+rpm.BuildHost,
			"--define", "_topdir "+top,
			"--define", "_binary_payload w1.zstdio",
			specFile)
		require.Equal(t, 0, res.Code, "rpmbuild failed:\n%s\n%s", res.Stdout, res.Stderr)
		for _, l := range rpmtest.Lines(res.Stderr) {
			// The edge fixture has an absolute symlink on purpose; rpmbuild
			// warns about those because they break inside a chroot.
			if !strings.HasPrefix(l, "warning: absolute symlink: ") {
				t.Errorf("rpmbuild: %s", l)
			}
		}
	}
	out := map[string]string{}
	matches, err := filepath.Glob(filepath.Join(top, "RPMS", "*", "*.rpm"))
	require.NoError(t, err)
	for _, m := range matches {
		out[filepath.Base(m)] = m
	}
	return out
}

// TestRPMBuildAgrees is the differential test: rpmbuild on the rendered spec
// and the Go writer give the same packages, field by field.
func TestRPMBuildAgrees(t *testing.T) {
	r := rpmtest.NewRPM(t)
	for set, pkgs := range fixtureSets(t) {
		t.Run(set, func(t *testing.T) {
			built := rpmbuildSpec(t, r, pkgs)
			ours := writeAll(t, pkgs, rpm.Options{BuildTime: rpmtest.Epoch})
			var names []string
			for n := range built {
				names = append(names, n)
			}
			sort.Strings(names)
			var want []string
			for _, p := range pkgs {
				want = append(want, p.FileName())
			}
			sort.Strings(want)
			require.Equal(t, want, names, "rpmbuild made other packages")
			for i, p := range pkgs {
				t.Run(p.Name, func(t *testing.T) {
					theirs := normalise(r.Query(t, viewQuery, built[p.FileName()]))
					mine := normalise(r.Query(t, viewQuery, ours[i]))
					require.Equal(t, theirs, mine)
					// Files carry classes: the comparison covers them.
					require.Equal(t, strings.Count(mine, "\nF "), strings.Count(mine, "\nK "))
					require.Regexp(t, `\nK /\S+ color=0 requires=\S* class=[^\n]*text`, mine)
					// The payloads list the same members, names, modes,
					// links, owners, sizes and times, and hold the same bytes.
					require.Equal(t, payloadListing(t, r, built[p.FileName()]), payloadListing(t, r, ours[i]))
					require.Equal(t, payloadContent(t, r, built[p.FileName()]), payloadContent(t, r, ours[i]))
				})
			}
		})
	}
}

// payloadListing is `rpm2cpio FILE | cpio -itv`: every member with its
// type and mode, links, owner and group, size, time and name. GNU cpio
// prints a time within six months of now with hours, an older one with the
// year; both packages carry the same times, so the listing compares either
// way.
func payloadListing(t *testing.T, r rpmtest.RPM, file string) string {
	t.Helper()
	res := r.Run(t, "bash", "-c", `set -o pipefail; rpm2cpio "$1" | TZ=UTC cpio -itv --quiet`, "bash", file)
	require.Equal(t, 0, res.Code, res.Stderr)
	require.NotEmpty(t, res.Stdout)
	return res.Stdout
}

// payloadContent extracts the payload with `cpio -idm` into an empty
// directory and lists what landed there, with each file's digest: the members
// hold the same bytes, and both archives write only below the directory.
func payloadContent(t *testing.T, r rpmtest.RPM, file string) string {
	t.Helper()
	dir := t.TempDir()
	res := verifiers.Cmd{Dir: dir, Env: []string{"HOME=" + r.Home}}.Run(t, "bash", "-c",
		`set -o pipefail; rpm2cpio "$1" | cpio -idm --quiet && find . -mindepth 1 -printf '%y %m %p %l\n' | sort && find . -type f -exec sha256sum {} + | sort`, "bash", file)
	require.Equal(t, 0, res.Code, res.Stderr)
	return res.Stdout
}
