package rpm_test

import (
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

// sampleDir holds the text samples of the classifier tests (testdata/README).
const sampleDir = "testdata/fileclass"

// sampleModes are the modes of the samples that are not 0644.
var sampleModes = map[string]uint{
	"posix.sh": 0o755, "posix-space.sh": 0o755, "posix-crlf.sh": 0o755, "posix-utf8.sh": 0o755,
	"unterminated.sh": 0o755, "bash.sh": 0o755, "env-bash.sh": 0o755, "zsh.sh": 0o755,
	"python.py": 0o755, "env-python.py": 0o755, "perl.pl": 0o755, "node.js": 0o755,
	"other-interpreter": 0o755, "setuid.sh": 0o4755, "setgid-sticky.sh": 0o3755,
}

// helloPrograms is a tiny static Go program built as `make build` builds
// qm-build (stripped), for x86_64 and aarch64, and once unstripped.
func helloPrograms(t testing.TB) map[string][]byte {
	t.Helper()
	const msg = "hello from qm-build's file class test"
	return map[string][]byte{
		"hello-x86_64":       verifiers.GoProgram(t, "amd64", "-s -w", msg),
		"hello-aarch64":      verifiers.GoProgram(t, "arm64", "-s -w", msg),
		"hello-debug-x86_64": verifiers.GoProgram(t, "amd64", "", msg),
	}
}

// sample is one file of the classifier package, relative to its directory.
type sample struct {
	name   string
	mode   uint
	body   []byte
	target string // symlinks
}

// classSamples are the text samples, the ELF programs (Go-built, and the
// host's dynamically linked true(1)), ELF files that are not executable or
// are setuid, and symlinks, one with " text" in its target.
func classSamples(t *testing.T) []sample {
	t.Helper()
	entries, err := os.ReadDir(sampleDir)
	require.NoError(t, err)
	var out []sample
	for _, e := range entries {
		body, err := os.ReadFile(filepath.Join(sampleDir, e.Name()))
		require.NoError(t, err)
		mode, ok := sampleModes[e.Name()]
		if !ok {
			mode = 0o644
		}
		out = append(out, sample{name: e.Name(), mode: mode, body: body})
	}
	progs := helloPrograms(t)
	for name, body := range progs {
		out = append(out, sample{name: name, mode: 0o755, body: body})
	}
	hostTrue, err := os.ReadFile(verifiers.Need(t, "true"))
	require.NoError(t, err)
	return append(out,
		sample{name: "host-true", mode: 0o755, body: hostTrue},
		sample{name: "elf-not-executable", mode: 0o644, body: progs["hello-x86_64"]},
		sample{name: "elf-setuid", mode: 0o4755, body: progs["hello-x86_64"]},
		sample{name: "link-relative", target: "posix.sh"},
		sample{name: "link-text", target: "my text"},
	)
}

// classQuery lists every file with its mode, color and class, then the class
// dictionary, whose order (first use in file order) must match as well.
const classQuery = "[%{FILENAMES}\t%{FILEMODES:octal}\t%{FILECOLORS}\t%{FILECLASS}\n]" + "[dict\t%{CLASSDICT}\n]"

// TestFileClassAgreesWithRPMBuild is the classifier's differential test:
// rpmbuild, which classifies with libmagic, and the Go writer record the same
// class and color for every sample, and the same class dictionary.
func TestFileClassAgreesWithRPMBuild(t *testing.T) {
	r := rpmtest.NewRPM(t)
	verifiers.Need(t, "rpmbuild")
	samples := classSamples(t)
	const dir, node = "/usr/lib/qm-fileclass", "/dev/qm-fileclass-node"
	p := &rpmspec.Package{
		Name: "qm-fileclass", Version: "1", Release: "1", Arch: "x86_64",
		Summary: "File class samples", Description: "File class samples.", License: rpmspec.License,
		Files: []rpmspec.File{
			{Path: dir, Kind: rpmspec.KindDir, Mode: 0o755},
			{Path: dir + "/subdir", Kind: rpmspec.KindDir, Mode: 0o755},
			{Path: node, Mode: 0o644, Body: []byte("node\n")},
		},
	}
	src := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(src, "subdir"), 0o755))
	for _, s := range samples {
		path := filepath.Join(src, s.name)
		if s.target != "" {
			require.NoError(t, os.Symlink(s.target, path))
			p.Files = append(p.Files, rpmspec.File{Path: dir + "/" + s.name, Kind: rpmspec.KindSymlink, Mode: 0o777, Target: s.target})
			continue
		}
		require.NoError(t, os.WriteFile(path, s.body, 0o600))
		require.NoError(t, os.Chmod(path, rpmspec.ModeFromRPM(s.mode)))
		p.Files = append(p.Files, rpmspec.File{Path: dir + "/" + s.name, Mode: rpmspec.ModeFromRPM(s.mode), Body: s.body})
	}
	spec := strings.Join([]string{
		"Name: qm-fileclass", "Version: 1", "Release: 1", "Summary: File class samples",
		"License: " + rpmspec.License, "AutoReqProv: no", "%description", "File class samples.",
		"%install", "mkdir -p %{buildroot}" + dir + " %{buildroot}/dev",
		"cp -a " + src + "/. %{buildroot}" + dir + "/",
		"printf 'node\\n' > %{buildroot}" + node,
		"%files", "%defattr(-,root,root,-)", dir, node, "",
	}, "\n")
	top := t.TempDir()
	specFile := filepath.Join(top, "fileclass.spec")
	require.NoError(t, os.WriteFile(specFile, []byte(spec), 0o644))
	res := r.Run(t, "rpmbuild", "-bb", "--quiet", "--define", "_topdir "+top,
		"--define", "__os_install_post %{nil}", "--define", "debug_package %{nil}",
		"--define", "_build_id_links none", "--define", "_binary_payload w1.zstdio", specFile)
	require.Equal(t, 0, res.Code, "rpmbuild failed:\n%s\n%s", res.Stdout, res.Stderr)
	built, err := filepath.Glob(filepath.Join(top, "RPMS", "*", "qm-fileclass-1-1.*.rpm"))
	require.NoError(t, err)
	require.Len(t, built, 1)

	ours := writeAll(t, []*rpmspec.Package{p}, rpm.Options{BuildTime: rpmtest.Epoch})
	want := r.Query(t, classQuery, built[0])
	got := r.Query(t, classQuery, ours[0])
	require.Equal(t, want, got)
	// The comparison is not vacuous: ELF programs are classified and colored.
	require.Contains(t, got, dir+"/hello-x86_64\t100755\t2\tELF 64-bit LSB executable, x86-64, version 1 (SYSV), statically linked, Go BuildID=")
	require.Contains(t, got, dir+"/hello-aarch64\t100755\t2\tELF 64-bit LSB executable, ARM aarch64, version 1 (SYSV), statically linked, Go BuildID=")
	require.Contains(t, got, dir+"/elf-not-executable\t100644\t0\tELF 64-bit")
	require.Len(t, rpmtest.Lines(got), len(p.Files)+strings.Count(got, "dict\t"))
}

// TestFileClassesFollowFileOrder writes a package whose files are declared
// out of order and checks, with rpm, that every file has its own class and
// color and that only the executable script has a per-file dependency: the
// per-file arrays follow rpmpack's sorted file order.
func TestFileClassesFollowFileOrder(t *testing.T) {
	r := rpmtest.NewRPM(t)
	progs := helloPrograms(t)
	p := &rpmspec.Package{
		Name: "qm-order", Version: "1", Release: "1", Arch: "x86_64", Summary: "order", Description: "order", License: rpmspec.License,
		Files: []rpmspec.File{
			{Path: "/usr/share/qm-order/z.json", Mode: 0o644, Body: []byte("{}\n")},
			{Path: "/usr/libexec/qm-order/run", Mode: 0o755, Body: []byte("#!/bin/bash\necho run\n")},
			{Path: "/usr/share/qm-order", Kind: rpmspec.KindDir, Mode: 0o755},
			{Path: "/usr/lib/qm-order/prog", Mode: 0o755, Body: progs["hello-aarch64"]},
			{Path: "/usr/share/qm-order/a.txt", Mode: 0o644, Body: []byte("text\n")},
			{Path: "/usr/share/qm-order/link", Kind: rpmspec.KindSymlink, Mode: 0o777, Target: "a.txt"},
		},
	}
	path := writeAll(t, []*rpmspec.Package{p}, rpm.Options{BuildTime: rpmtest.Epoch})[0]
	files := append([]rpmspec.File(nil), p.Files...)
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	var want []string
	for _, f := range files {
		class, color := rpm.FileClass(f.Path, f.RPMMode(), f.Body)
		req := ""
		switch {
		case f.Kind == rpmspec.KindSymlink:
			class = "symbolic link to `" + f.Target + "'" // rpm's query shows this for a symlink without class
		case strings.HasPrefix(string(f.Body), "#!/bin/bash"):
			req = "/bin/bash"
		}
		want = append(want, fmt.Sprintf("%s|%d|%s|%s", f.Path, color, class, req))
	}
	got := rpmtest.Lines(r.Query(t, "[%{FILENAMES}|%{FILECOLORS}|%{FILECLASS}|%{FILEREQUIRE}\n]", path))
	require.Equal(t, want, got)
	require.Contains(t, got[0], "|2|ELF 64-bit LSB executable, ARM aarch64", "the aarch64 program sorts first")
}

// FuzzDescribe: any content and mode are classified without panicking, the
// same way twice, with a class rpmbuild would keep (or none) and a color only
// for executable ELF files. Seeds are the classifier samples.
func FuzzDescribe(f *testing.F) {
	entries, err := os.ReadDir(sampleDir)
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		body, err := os.ReadFile(filepath.Join(sampleDir, e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint(0o100000|sampleModes[e.Name()]|0o644), body)
	}
	f.Add(uint(0o100755), []byte("\x7fELF\x02\x01\x01\x00"))
	f.Fuzz(func(t *testing.T, mode uint, body []byte) {
		mode = 0o100000 | mode&0o7777
		desc := rpm.Describe(mode, body)
		require.NotEmpty(t, desc)
		require.Equal(t, desc, rpm.Describe(mode, body))
		class, color := rpm.FileClass("/usr/lib/qm/sample", mode, body)
		require.True(t, class == "" || class == desc, "class %q is not the description %q", class, desc)
		if color != 0 {
			require.NotZero(t, mode&0o111, "color for a file that is not executable")
			require.True(t, strings.HasPrefix(string(body), "\x7fELF"))
		}
	})
}
