package rpmspec_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/rpmspec"
)

// requireBadInput checks that err is bad input (exit status 2 in the CLI)
// and that its message is exactly want, line by line.
func requireBadInput(t *testing.T, err error, want ...string) {
	t.Helper()
	require.Error(t, err)
	require.ErrorIs(t, err, rpmspec.ErrInvalid)
	var bi interface{ BadInput() bool }
	require.ErrorAs(t, err, &bi)
	require.True(t, bi.BadInput())
	require.Equal(t, want, strings.Split(err.Error(), "\n"))
}

// TestParseDropinBadInput: every problem in a drop-in file is reported at
// once, each naming the file, the line and the field.
func TestParseDropinBadInput(t *testing.T) {
	const outside = "/etc/containers/systemd/qm.container.d/, /etc/qm/, /usr/lib/qm/rootfs/, /usr/share/qm/"
	for _, tc := range []struct {
		file string
		want []string
	}{
		{"missing-summary.yaml", []string{`bad/missing-summary.yaml:1: summary: missing required field "summary"`}},
		{"unknown-key.yaml", []string{`bad/unknown-key.yaml:4: colour: unknown key "colour" (known: annotations, description, devices, enable, files, hook-program, images, legacy, name, needs, nested-images, note, package, recommends, requires, rootfs-packages, status, summary, version)`}},
		{"relative-path.yaml", []string{`bad/relative-path.yaml:5: files[0].path: path "etc/qm/relative.conf" is relative; give an absolute path`}},
		{"dotdot.yaml", []string{`bad/dotdot.yaml:5: files[0].path: path "/etc/qm/../shadow" has a '..' component`}},
		{"outside.yaml", []string{`bad/outside.yaml:8: files[1].path: /etc/sudoers.d/qm is outside the paths a drop-in may own (` + outside + `)`}},
		{"mode-not-octal.yaml", []string{
			`bad/mode-not-octal.yaml:6: files[0].mode: "0968" is not an octal mode such as "0644"`,
			`bad/mode-not-octal.yaml:9: files[1].mode: "rw-r--r--" is not an octal mode such as "0644"`,
		}},
		{"duplicate-key.yaml", []string{`bad/duplicate-key.yaml:3: summary: key "summary" given twice`}},
		{"bad-template.yaml", []string{`bad/bad-template.yaml:7: files[0].template: template: :1: unclosed action`}},
		// yaml.v3 reports the line where the unclosed flow sequence's
		// context starts, counted from 0.
		{"not-yaml.yaml", []string{`bad/not-yaml.yaml:1: not valid YAML: line 1: did not find expected ',' or ']'`}},
		{"legacy-without-note.yaml", []string{`bad/legacy-without-note.yaml:1: note: a legacy drop-in needs a note saying what replaced it`}},
		{"model-problems.yaml", []string{
			`bad/model-problems.yaml:3: package: "not-qm-prefixed" is not a package name starting with qm-`,
			`bad/model-problems.yaml:4: version: "1-2" must not contain '-' (it separates version from release)`,
			`bad/model-problems.yaml:7: status: unknown status "retired" (known: current, legacy)`,
			`bad/model-problems.yaml:9: annotations.Not A Key: "Not A Key" is not an annotation key (dot-separated words, e.g. org.containers.qm.device.audio)`,
			`bad/model-problems.yaml:10: annotations.org.containers.qm.device.audio: "two words": a value is one word without quotes or backslashes`,
			`bad/model-problems.yaml:11: requires[0]: "podman >=": operator >= without a version`,
			`bad/model-problems.yaml:12: hook-program: want true or false, got a scalar`,
			`bad/model-problems.yaml:14: images.short: image reference "fedora:40" is a short name: give the registry, the repository and a tag or digest (e.g. quay.io/qm-images/kvm:latest)`,
			`bad/model-problems.yaml:15: images.untagged: image reference "quay.io/qm-images/kvm" names no tag or digest: give one (e.g. quay.io/qm-images/kvm:latest)`,
			`bad/model-problems.yaml:16: images.injected: "quay.io/x/y:1\nPodmanArgs=--privileged" has a line break (U+000A); a value must be one line of printable text`,
			`bad/model-problems.yaml:17: enable[0]: "not-a-unit" is not a unit name (name.service, .socket, .timer, .path, .target or .mount)`,
			`bad/model-problems.yaml:17: enable[1]: missing.service is not among the drop-in's files in a unit directory of QM (/usr/lib/qm/rootfs/usr/lib/systemd/system, /etc/qm/systemd/system)`,
		}},
		{"many-problems.yaml", []string{
			`bad/many-problems.yaml:2: name: "bad name" is not a valid drop-in name (letters, digits, '.', '_', '+', '-')`,
			`bad/many-problems.yaml:3: summary: "two\nlines\n" has a line break (U+000A); a value must be one line of printable text`,
			`bad/many-problems.yaml:6: description: must not be empty`,
			`bad/many-problems.yaml:7: legacy[1]: "not ok" is not a valid package name`,
			`bad/many-problems.yaml:9: devices.qm[1]: device "/proc/kcore" is not under /dev/`,
			`bad/many-problems.yaml:10: devices.host: unknown key "host" (known: nested, qm)`,
			`bad/many-problems.yaml:12: files[0]: give only one of content, template and symlink (got content, template)`,
			`bad/many-problems.yaml:18: files[1].flags[1]: unknown flag "sticky" (known: config, noreplace, ghost, dir, doc)`,
			`bad/many-problems.yaml:21: files[2].mode: a symlink's mode must be "0777"`,
			`bad/many-problems.yaml:23: files[3]: missing required field: one of content, template or symlink (or flags: [dir])`,
		}},
	} {
		t.Run(strings.TrimSuffix(tc.file, ".yaml"), func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "dropins", "bad", tc.file))
			require.NoError(t, err)
			d, err := rpmspec.ParseDropin(data, "bad/"+tc.file)
			require.Nil(t, d)
			requireBadInput(t, err, tc.want...)
		})
	}
}

// TestLoadDirBadInput: directory-level problems, also named by file and line.
func TestLoadDirBadInput(t *testing.T) {
	// A file two packages both claim is found when rootfs composes them
	// (rootfs's TestUserDropinsThatCollide, on testdata/dropins/collide).
	for _, tc := range []struct {
		name  string
		files fstest.MapFS
		want  []string
	}{
		{"a name the catalog has", fstest.MapFS{"kvm.yaml": {Data: []byte("name: kvm\nsummary: s\ndescription: d\n")}},
			[]string{`user/kvm.yaml:1: name: drop-in "kvm" is already defined in catalog/kvm.yaml`}},
		{"needs an unknown drop-in", fstest.MapFS{"x.yaml": {Data: []byte("name: x\nsummary: s\ndescription: d\nneeds: [nosuch]\n")}},
			[]string{`user/x.yaml:1: needs: unknown drop-in "nosuch" (known: dvb, img-tempdir, input, kvm, oci-hooks, radio, ros2, sound, text2speech, tty7, ttyUSB0, video, wayland, windowmanager, x)`}},
		{"no drop-in files", fstest.MapFS{"README": {Data: []byte("hello")}},
			[]string{`user: --dropin-dir: holds no *.yaml drop-in files`}},
		{"problems in two files", fstest.MapFS{
			"a.yaml": {Data: []byte("name: a\n")},
			"b.yml":  {Data: []byte("name: b\nsummary: s\ndescription: d\nextra: 1\n")},
		}, []string{
			`user/a.yaml:1: summary: missing required field "summary"`,
			`user/a.yaml:1: description: missing required field "description"`,
			`user/b.yml:4: extra: unknown key "extra" (known: annotations, description, devices, enable, files, hook-program, images, legacy, name, needs, nested-images, note, package, recommends, requires, rootfs-packages, status, summary, version)`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cat, err := rpmspec.Builtin()
			require.NoError(t, err)
			_, err = cat.AddDir(tc.files, "user")
			requireBadInput(t, err, tc.want...)
		})
	}
}

func TestParseDropinGood(t *testing.T) {
	data, err := os.ReadFile("testdata/userdropins/camera.yaml")
	require.NoError(t, err)
	d, err := rpmspec.ParseDropin(data, "camera.yaml")
	require.NoError(t, err)
	require.Equal(t, "front-camera", d.Name)
	require.Equal(t, "qm-front-camera", d.PackageName())
	require.Equal(t, 3, d.Line)
	require.Equal(t, []string{"video"}, d.Needs)
	require.Equal(t, rpmspec.Devices{QM: []string{"/dev/video2"}, Nested: []string{"/dev/video2"}}, d.Devices)
	require.Len(t, d.Files, 2)
	require.True(t, d.Files[0].Template)
	require.Equal(t, rpmspec.FlagConfig|rpmspec.FlagNoReplace, d.Files[0].Flags)
	require.Equal(t, "camera.yaml:16", d.Files[0].Origin)
	require.Equal(t, rpmspec.KindDir, d.Files[1].Kind)

	files, err := d.RenderFiles(rpmspec.TemplateData{Version: "1.2", Release: "3", Images: map[string]string{"capture": "localhost/other:2", "unknown": "x"}})
	require.NoError(t, err)
	body := string(files[0].Body)
	require.Contains(t, body, "# Nested quadlet from qm-front-camera 1.2-3.\n")
	require.Contains(t, body, "Image=localhost/other:2\n", "the plan's image overrides the drop-in's")
	files, err = d.RenderFiles(rpmspec.TemplateData{Version: "1.2", Release: "3"})
	require.NoError(t, err)
	require.Contains(t, string(files[0].Body), "Image=localhost/front-camera:1.0\n")
}

func TestRenderFilesUnknownImage(t *testing.T) {
	d, err := rpmspec.ParseDropin([]byte(`name: img
summary: s
description: d
files:
  - path: /etc/qm/containers/systemd/img.container
    mode: "0644"
    template: "Image={{ image \"missing\" }}\n"
`), "img.yaml")
	require.NoError(t, err)
	_, err = d.RenderFiles(rpmspec.TemplateData{})
	require.ErrorContains(t, err, `img.yaml:5: template: `)
	require.ErrorContains(t, err, `no image "missing" declared (declare it under images:)`)
	require.True(t, errors.Is(err, rpmspec.ErrInvalid))
}

// TestBuiltinCatalogLoads checks every embedded drop-in against the rules
// users' drop-ins follow, plus rpmlint's summary limit (79 characters).
func TestBuiltinCatalogLoads(t *testing.T) {
	cat, err := rpmspec.Builtin()
	require.NoError(t, err)
	for _, d := range cat.All() {
		require.LessOrEqual(t, len(d.Summary), 79, d.Name)
		if d.Version == "" {
			// Packages upstream had before qm-oci-hooks and qm-wayland.
			require.NotEmpty(t, d.Legacy, "%s: users know it by a legacy name", d.Name)
		}
	}
}
