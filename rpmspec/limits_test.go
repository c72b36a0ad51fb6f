package rpmspec_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/rpmspec/input"
)

func templateDropin(tpl string) []byte {
	return fmt.Appendf(nil, "name: t\nsummary: s\ndescription: d\nfiles:\n  - path: /etc/qm/t.conf\n    mode: \"0644\"\n    template: %q\n", tpl)
}

// TestTemplateLimits: a drop-in template that could run for ever without
// output, or recurse, is refused when the drop-in is read, naming the file,
// the line and the template's own line; the 250-byte template of the
// hostile-input report (nested ranges of 30000) is among them.
func TestTemplateLimits(t *testing.T) {
	hostile := strings.Repeat("{{range 30000}}", 4) + strings.Repeat("x", 100) + strings.Repeat("{{end}}", 4)
	for _, tc := range []struct {
		name, tpl, want string
	}{
		{"range over an integer", hostile, `t.yaml:7: files[0].template: template line 1: range may only go over a field of the template data (such as .Images), not 30000`},
		{"range over a variable", "{{$n := 30000}}{{range $n}}x{{end}}", `template line 1: range may only go over a field of the template data (such as .Images), not $n`},
		{"range inside a range", "{{range .Images}}\n{{range .Images}}x{{end}}{{end}}", `template line 2: a range inside a range is not allowed in a drop-in template`},
		{"range in an else", "{{range .Images}}{{else}}{{range 5}}{{end}}{{end}}", `range may only go over a field`},
		{"range in an if", "{{if .Name}}{{range 9}}{{end}}{{end}}", `range may only go over a field`},
		{"define", `{{define "a"}}{{template "a" .}}{{template "a" .}}{{end}}{{template "a" .}}`, `define and block are not allowed in a drop-in template`},
		{"template call", `{{template "x"}}`, `template line 1: template calls are not allowed in a drop-in template`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := rpmspec.ParseDropin(templateDropin(tc.tpl), "t.yaml")
			require.ErrorIs(t, err, rpmspec.ErrInvalid)
			require.ErrorContains(t, err, tc.want)
		})
	}
	t.Run("range over the images is fine", func(t *testing.T) {
		d, err := rpmspec.ParseDropin(templateDropin("{{range $k, $v := .Images}}{{$k}}={{$v}}\n{{end}}"), "t.yaml")
		require.NoError(t, err)
		files, err := d.RenderFiles(rpmspec.TemplateData{})
		require.NoError(t, err)
		require.Empty(t, files[0].Body)
	})
}

// TestTemplateOutputLimit: what a template renders is bounded
// (MaxTemplateOutput); past it, rendering stops with an error naming the
// drop-in's file and line, before the output grows further.
func TestTemplateOutputLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString("name: t\nsummary: s\ndescription: d\nimages:\n")
	for i := range 6 {
		fmt.Fprintf(&b, "  i%d: quay.io/x/y:%d\n", i, i)
	}
	body := strings.Repeat("y", 800<<10)
	fmt.Fprintf(&b, "files:\n  - path: /etc/qm/t.conf\n    mode: \"0644\"\n    template: \"{{range .Images}}%s{{end}}\"\n", body)
	d, err := rpmspec.ParseDropin([]byte(b.String()), "big.yaml")
	require.NoError(t, err)
	images := map[string]string{}
	for i := range 6 {
		images[fmt.Sprintf("i%d", i)] = "quay.io/x/z:1"
	}
	_, err = d.RenderFiles(rpmspec.TemplateData{Images: images})
	require.ErrorIs(t, err, rpmspec.ErrInvalid)
	require.EqualError(t, err, "big.yaml:12: template: the template's output is larger than 4 MiB")
}

// TestDropinFileLimits: a drop-in directory's files are read only if they
// are regular files of at most MaxDropinFile bytes; a FIFO (through
// input.DirFS, as the programs read --dropin-dir) or /dev/zero is refused
// at once, not read.
func TestDropinFileLimits(t *testing.T) {
	big := append([]byte("name: big\nsummary: s\ndescription: d\n#"), make([]byte, rpmspec.MaxDropinFile)...)
	cat, err := rpmspec.Builtin()
	require.NoError(t, err)
	_, err = cat.AddDir(fstest.MapFS{"big.yaml": {Data: big}}, "user")
	requireBadInput(t, err, "user/big.yaml: reading: big.yaml: is larger than 1 MiB (the limit for this input)")

	dir := t.TempDir()
	require.NoError(t, unix.Mkfifo(filepath.Join(dir, "fifo.yaml"), 0o644))
	require.NoError(t, os.Symlink("/dev/zero", filepath.Join(dir, "zero.yaml")))
	cat, err = rpmspec.Builtin()
	require.NoError(t, err)
	_, err = cat.AddDir(input.DirFS(dir), "user")
	requireBadInput(t, err,
		"user/fifo.yaml: reading: "+filepath.Join(dir, "fifo.yaml")+": is a FIFO, not a regular file",
		"user/zero.yaml: reading: "+filepath.Join(dir, "zero.yaml")+": is a character device, not a regular file")
}

// TestPackagesRpmCanLoad: the model refuses, at input, what would make a
// package rpm cannot load or list (issue 17, case 6): file names with a
// newline or a NUL, names over PATH_MAX, a description near rpm's 256 MiB
// of header data. The RPM writer validates every package with it.
func TestPackagesRpmCanLoad(t *testing.T) {
	for _, tc := range []struct {
		name string
		pkg  rpmspec.Package
		want string
	}{
		{"newline in a path", rpmspec.Package{Name: "qm-x", Version: "1", Release: "1", Files: []rpmspec.File{{Path: "/etc/qm/a\nb", Mode: 0o644}}},
			`"/etc/qm/a\nb" has a line break (U+000A)`},
		{"nul in a path", rpmspec.Package{Name: "qm-x", Version: "1", Release: "1", Files: []rpmspec.File{{Path: "/etc/qm/a\x00b", Mode: 0o644}}},
			`"/etc/qm/a\x00b" has a control character (U+0000)`},
		{"path over PATH_MAX", rpmspec.Package{Name: "qm-x", Version: "1", Release: "1", Files: []rpmspec.File{{Path: "/etc/qm/" + strings.Repeat("a", 4096), Mode: 0o644}}},
			`is 4104 bytes long; the limit is 4096`},
		{"description too large", rpmspec.Package{Name: "qm-x", Version: "1", Release: "1", Summary: "s", Description: strings.Repeat("d", rpmspec.MaxDescription)},
			`qm-x: the summary and description are 1048577 bytes, more than 1048576`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.pkg.Validate()
			require.ErrorIs(t, err, rpmspec.ErrInvalid)
			require.ErrorContains(t, err, tc.want)
		})
	}
	_, err := rpmspec.ParseDropin([]byte("name: x\nsummary: s\ndescription: d\nfiles:\n  - path: \"/etc/qm/a\\nb\"\n    mode: \"0644\"\n    content: x\n"), "x.yaml")
	require.ErrorContains(t, err, `x.yaml:5: files[0].path: "/etc/qm/a\nb" has a line break (U+000A)`)
}

// FuzzRenderTemplate: any drop-in template is refused when the drop-in is
// read, or renders (within MaxTemplateOutput) or fails as bad input; never
// a panic, never without end.
func FuzzRenderTemplate(f *testing.F) {
	f.Add("Image={{ image \"a\" }}\n{{range $k, $v := .Images}}{{$k}}={{$v}}\n{{end}}{{.Version}}-{{.Release}}")
	f.Add(strings.Repeat("{{range 30000}}", 4) + strings.Repeat("{{end}}", 4))
	f.Add(`{{printf "%0999999d" 1}}{{printf "%0999999d" 1}}{{printf "%0999999d" 1}}{{printf "%0999999d" 1}}{{printf "%0999999d" 1}}`)
	f.Fuzz(func(t *testing.T, tpl string) {
		data := fmt.Appendf(nil, "name: t\nsummary: s\ndescription: d\nimages:\n  a: quay.io/x/y:1\nfiles:\n  - path: /etc/qm/t.conf\n    mode: \"0644\"\n    template: %q\n", tpl)
		d, err := rpmspec.ParseDropin(data, "t.yaml")
		if err != nil {
			require.ErrorIs(t, err, rpmspec.ErrInvalid)
			return
		}
		files, err := d.RenderFiles(rpmspec.TemplateData{Version: "1", Release: "1", Images: map[string]string{"a": "quay.io/x/z:2"}})
		if err != nil {
			require.ErrorIs(t, err, rpmspec.ErrInvalid)
			return
		}
		require.LessOrEqual(t, len(files[0].Body), rpmspec.MaxTemplateOutput)
	})
}

// FuzzParseOctalMode: any string is a mode of permission bits only, or an
// error.
func FuzzParseOctalMode(f *testing.F) {
	for _, s := range []string{"0644", "4755", "0968", "", "77777", "-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := rpmspec.ParseOctalMode(s)
		if err == nil {
			require.Zero(t, m.Type(), "mode %q has type bits", s)
		}
	})
}
