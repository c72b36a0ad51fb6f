package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/spf13/pflag"
	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/blueprints/qmstage"
	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/stages/osbuildstage"
	"github.com/qm-build/qm-build/test/verifiers"
)

func TestOsbuildStageSchemaCommand(t *testing.T) {
	r := runCLI(t, nil, "osbuild-stage", "schema")
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Equal(t, string(qmstage.MetaJSON()), r.stdout)
	require.True(t, json.Valid([]byte(r.stdout)))
}

func TestOsbuildStageUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no subcommand", []string{"osbuild-stage"}, "missing subcommand"},
		{"unknown subcommand", []string{"osbuild-stage", "frobnicate"}, `unknown subcommand "frobnicate"`},
		{"extra argument", []string{"osbuild-stage", "schema", "x"}, `unexpected argument "x"`},
		{"rpm without --out", []string{"osbuild-stage", "rpm"}, "--out is required"},
		{"bad package version", []string{"osbuild-stage", "rpm", "--out", "x", "--pkg-version", "1-2"}, "--pkg-version"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, nil, tc.args...)
			require.Equal(t, exitBadInput, r.code, r.stderr)
			require.Contains(t, r.stderr, tc.want)
		})
	}
	for _, sub := range []string{"install", "schema", "options", "rpm"} {
		t.Run(sub+" --help", func(t *testing.T) {
			r := runCLI(t, nil, "osbuild-stage", sub, "--help")
			require.Equal(t, exitOK, r.code, r.stderr)
			require.Contains(t, r.stdout, "Usage:")
		})
	}
}

// TestOsbuildStageInstall: install copies the stage program, found on PATH
// (or beside qm-build), and its meta file into osbuild's library directory.
func TestOsbuildStageInstall(t *testing.T) {
	program := stageProgram(t)
	onPath := []string{"PATH=" + filepath.Dir(program)}
	libdir := t.TempDir()
	r := runCLI(t, onPath, "osbuild-stage", "install", "--libdir", libdir)
	require.Equal(t, exitOK, r.code, r.stderr)
	stage := filepath.Join(libdir, "stages", osbuildStageName)
	meta := filepath.Join(libdir, "stages", qmstage.MetaFileName)
	require.Equal(t, stage+"\n"+meta+"\n", r.stdout)

	want, err := os.ReadFile(program)
	require.NoError(t, err)
	got, err := os.ReadFile(stage)
	require.NoError(t, err)
	require.True(t, bytesEqual(want, got), "the installed stage is not the stage program")
	fi, err := os.Stat(stage)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o755), fi.Mode().Perm())
	gotMeta, err := os.ReadFile(meta)
	require.NoError(t, err)
	require.Equal(t, qmstage.MetaJSON(), gotMeta)
	fi, err = os.Stat(meta)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o644), fi.Mode().Perm())

	// Installing again replaces both in place and leaves no temporary file.
	r = runCLI(t, nil, "osbuild-stage", "install", "--libdir", libdir, "--binary", program)
	require.Equal(t, exitOK, r.code, r.stderr)
	entries, err := os.ReadDir(filepath.Join(libdir, "stages"))
	require.NoError(t, err)
	require.Len(t, entries, 2)

	// The installed stage works as the stage.
	tree, runDir := t.TempDir(), t.TempDir()
	makeHostTree(t, tree)
	writeArguments(t, runDir, tree, json.RawMessage(`{}`))
	rs := runStage(t, stage, runDir)
	require.Equal(t, exitOK, rs.code, rs.stderr)
}

// TestOsbuildStageInstallWithoutTheProgram: with no org.osbuild.qm beside
// qm-build or on PATH, install says so and writes nothing.
func TestOsbuildStageInstallWithoutTheProgram(t *testing.T) {
	libdir := t.TempDir()
	r := runCLI(t, []string{"PATH=" + t.TempDir()}, "osbuild-stage", "install", "--libdir", libdir)
	require.Equal(t, exitFailure, r.code, r.stderr)
	require.Contains(t, r.stderr, "org.osbuild.qm is not installed beside qm-build or on PATH")
	require.NoDirExists(t, filepath.Join(libdir, "stages"))
}

func TestOsbuildStageInstallBadLibdir(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "osbuild")
	r := runCLI(t, nil, "osbuild-stage", "install", "--libdir", missing)
	require.Equal(t, exitBadInput, r.code)
	require.Contains(t, r.stderr, missing+" is not a directory: is osbuild installed?")
	_, err := os.Stat(missing)
	require.ErrorIs(t, err, os.ErrNotExist)
}

func bytesEqual(a, b []byte) bool { return len(a) == len(b) && string(a) == string(b) }

// TestOsbuildStageOptionsCommand: the stage object printed for a set of
// flags (qmstage.OptionsFromPlan, as `manifest --qm-stage` uses it)
// validates against the stage schema, and the stage run with its options
// writes the same tree as `qm-build rootfs` with the flags.
func TestOsbuildStageOptionsCommand(t *testing.T) {
	bin := stageProgram(t)
	for _, tc := range stageCases {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, nil, append([]string{"osbuild-stage", "options"}, tc.flags...)...)
			require.Equal(t, exitOK, r.code, r.stderr)
			var stage struct {
				Type    string          `json:"type"`
				Options json.RawMessage `json:"options"`
			}
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &stage))
			require.Equal(t, osbuildStageName, stage.Type)
			validateStageObject(t, []byte(r.stdout))

			stageTree, cliTree, runDir := t.TempDir(), t.TempDir(), t.TempDir()
			makeHostTree(t, stageTree)
			makeHostTree(t, cliTree)
			writeArguments(t, runDir, stageTree, stage.Options)
			rs := runStage(t, bin, runDir)
			require.Equal(t, exitOK, rs.code, rs.stderr)
			cli := runCLI(t, []string{fmt.Sprintf("SOURCE_DATE_EPOCH=%d", stageEpoch)}, append([]string{"rootfs", "--root", cliTree}, tc.flags...)...)
			require.Equal(t, exitOK, cli.code, cli.stderr)
			require.Equal(t, snapshot(t, cliTree), snapshot(t, stageTree))
		})
	}
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "mine.yaml"), []byte("name: mine\nsummary: mine\ndescription: mine\nfiles:\n  - path: /etc/qm/mine.conf\n    mode: \"0644\"\n    content: \"x\\n\"\n"), 0o644))
	r := runCLI(t, nil, "osbuild-stage", "options", "--dropin-dir", dir)
	require.Equal(t, exitBadInput, r.code, r.stdout)
	require.Contains(t, r.stderr, `drop-in "mine" is not built in`)
	// A short image name --allow-short-names lets through is one the stage
	// would refuse: refused up front too.
	r = runCLI(t, nil, "osbuild-stage", "options", "--dropin", "kvm", "--allow-short-names", "--image", "kvm=qm-images/kvm:latest")
	require.Equal(t, exitBadInput, r.code, r.stdout)
	require.Contains(t, r.stderr, `--image kvm: "qm-images/kvm:latest" is a short name; the org.osbuild.qm stage takes fully qualified images only`)
}

// TestEveryPlanFlagIsAStageOption: each flag of `qm-build rootfs` that shapes
// the tree has a stage option, so the stage can do what the CLI does and
// NewPlan's errors translate. The exceptions are listed: options of
// rootfs.Options the stage does not take (arch, distro, allow_short_names),
// and the CLI-only flags that are files of the machine running qm-build,
// not options (--dropin-dir, --hook-binary).
func TestEveryPlanFlagIsAStageOption(t *testing.T) {
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	var pf planFlags
	pf.AllFlags(fs)
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Deprecated != "" { // an old spelling of a flag the loop meets under its own name
			return
		}
		name, isOption := rootfs.FieldForFlag("--" + f.Name)
		switch f.Name {
		case "dropin-dir", // user drop-ins: the stage knows built-in ones only
			"hook-binary": // a program file: the stage leaves qm-oci-hooks to the image's repositories
			require.False(t, isOption, "--%s is CLI-only, not an option", f.Name)
			return
		case "arch", "distro", // they change nothing in the tree (all QM packages are noarch)
			"allow-short-names": // the stage, run unattended in an image build, takes fully qualified images only
			require.True(t, isOption, "--%s is an option", f.Name)
			require.NotContains(t, qmstage.OptionNames(), name, "the stage does not take --%s", f.Name)
			return
		}
		t.Run(f.Name, func(t *testing.T) {
			require.True(t, isOption, "--%s is not an option", f.Name)
			require.Contains(t, qmstage.OptionNames(), name, "--%s has no org.osbuild.qm option", f.Name)
		})
	})
}

// TestOsbuildStageRPM builds osbuild-stage-qm with qm-build's own RPM writer
// and checks it with rpm: the file list and modes, the architecture, the
// digests, reproducibility, and that the installed stage runs.
func TestOsbuildStageRPM(t *testing.T) {
	rpmBin := verifiers.Need(t, "rpm")
	out := t.TempDir()
	program := stageProgram(t)
	env := []string{"SOURCE_DATE_EPOCH=1700000000", "PATH=" + filepath.Dir(program)}
	r := runCLI(t, env, "osbuild-stage", "rpm", "--out", out, "--pkg-version", "0.1.0", "--compress", "gzip")
	require.Equal(t, exitOK, r.code, r.stderr)
	arch := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[runtime.GOARCH]
	name := fmt.Sprintf("osbuild-stage-qm-0.1.0-1.%s.rpm", arch)
	pkg := filepath.Join(out, name)
	require.Equal(t, pkg+"\n", r.stdout)

	home := verifiers.ScratchHome(t)
	rpm := verifiers.Cmd{Env: []string{"HOME=" + home}}
	q := rpm.Run(t, rpmBin, "-qp", "--qf", "%{NAME} %{VERSION}-%{RELEASE} %{ARCH}\n", pkg)
	require.Equal(t, 0, q.Code, q.Stderr)
	require.Equal(t, "osbuild-stage-qm 0.1.0-1 "+arch+"\n", q.Stdout)

	l := rpm.Run(t, rpmBin, "-qp", "--qf", "[%{FILEMODES:perms} %{FILEUSERNAME} %{FILEGROUPNAME} %{FILENAMES}\n]", pkg)
	require.Equal(t, 0, l.Code, l.Stderr)
	require.Equal(t, "-rwxr-xr-x root root /usr/lib/osbuild/stages/org.osbuild.qm\n"+
		"-rw-r--r-- root root /usr/lib/osbuild/stages/org.osbuild.qm.meta.json\n", l.Stdout)
	ql := rpm.Run(t, rpmBin, "-qpl", pkg)
	require.Equal(t, osbuildstage.StagePath+"\n"+osbuildstage.MetaPath+"\n", ql.Stdout)

	k := rpm.Run(t, rpmBin, "-K", pkg)
	require.Equal(t, 0, k.Code, k.Stdout+k.Stderr)
	require.Contains(t, k.Stdout, "digests OK")

	req := rpm.Run(t, rpmBin, "-qp", "--requires", pkg)
	require.Contains(t, strings.Split(req.Stdout, "\n"), "osbuild")

	// Reproducible: the same inputs give the same bytes.
	out2 := t.TempDir()
	r = runCLI(t, env, "osbuild-stage", "rpm", "--out", out2, "--pkg-version", "0.1.0", "--compress", "gzip")
	require.Equal(t, exitOK, r.code, r.stderr)
	a, err := os.ReadFile(pkg)
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(out2, name))
	require.NoError(t, err)
	require.True(t, bytesEqual(a, b), "two builds of the stage RPM differ")

	// Installed with rpm into a scratch root, the stage is the stage program
	// and runs.
	root := t.TempDir()
	inst := rpm.Run(t, rpmBin, "-i", "--root", root, "--dbpath", "/var/lib/rpm", "--nodeps", "--force-debian", "--nosignature", pkg)
	if inst.Code != 0 && strings.Contains(inst.Stderr, "force-debian") {
		inst = rpm.Run(t, rpmBin, "-i", "--root", root, "--dbpath", "/var/lib/rpm", "--nodeps", "--nosignature", pkg)
	}
	require.Equal(t, 0, inst.Code, inst.Stdout+inst.Stderr)
	installed := filepath.Join(root, osbuildstage.StagePath)
	want, err := os.ReadFile(program)
	require.NoError(t, err)
	got, err := os.ReadFile(installed)
	require.NoError(t, err)
	require.True(t, bytesEqual(want, got), "the packaged stage is not the stage program")
	tree, runDir := t.TempDir(), t.TempDir()
	makeHostTree(t, tree)
	writeArguments(t, runDir, tree, json.RawMessage(`{"dropins": ["kvm"]}`))
	rs := runStage(t, installed, runDir)
	require.Equal(t, exitOK, rs.code, rs.stderr)
}

// validateStageObject validates a manifest stage object
// ({"type": "org.osbuild.qm", "options": …}) against the schema osbuild
// builds from the stage's meta file (draft 4, as osbuild's validator).
func validateStageObject(t *testing.T, stage []byte) {
	t.Helper()
	schema, err := qmstage.StageSchema()
	require.NoError(t, err)
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema))
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	require.NoError(t, c.AddResource("org.osbuild.qm.json", doc))
	s, err := c.Compile("org.osbuild.qm.json")
	require.NoError(t, err)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(stage))
	require.NoError(t, err)
	require.NoError(t, s.Validate(inst), "stage object: %s", stage)
}

// TestManifestQMStageValidates: a manifest from `qm-build manifest --qm-stage`
// calls org.osbuild.qm once, in the os pipeline before org.osbuild.selinux,
// with options that validate against the stage's schema and are exactly what
// `qm-build osbuild-stage options` prints for the same flags.
func TestManifestQMStageValidates(t *testing.T) {
	flags := []string{"--dropin", "kvm", "--memory-max", "2G", "--cpu-weight", "20", "--controller-socket"}
	r := runCLI(t, pathEnv(t), append([]string{"manifest", "--distro", "cs9", "--arch", "x86_64", "--packages-lock", fixtureLock, "--qm-stage"}, flags...)...)
	require.Equal(t, exitOK, r.code, r.stderr)
	var m struct {
		Pipelines []struct {
			Name   string            `json:"name"`
			Stages []json.RawMessage `json:"stages"`
		} `json:"pipelines"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &m))
	var found []string
	var stage json.RawMessage
	for _, p := range m.Pipelines {
		selinuxAt, qmAt := -1, -1
		for i, raw := range p.Stages {
			var s struct {
				Type string `json:"type"`
			}
			require.NoError(t, json.Unmarshal(raw, &s))
			switch s.Type {
			case osbuildStageName:
				found = append(found, p.Name)
				stage, qmAt = raw, i
			case "org.osbuild.selinux":
				selinuxAt = i
			}
		}
		if qmAt >= 0 {
			require.GreaterOrEqual(t, selinuxAt, 0, "%s calls org.osbuild.qm but has no org.osbuild.selinux", p.Name)
			require.Less(t, qmAt, selinuxAt, "org.osbuild.qm must run before org.osbuild.selinux in %s", p.Name)
		}
	}
	require.Equal(t, []string{"os"}, found, "pipelines calling org.osbuild.qm")
	validateStageObject(t, stage)

	o := runCLI(t, nil, append([]string{"osbuild-stage", "options"}, flags...)...)
	require.Equal(t, exitOK, o.code, o.stderr)
	require.JSONEq(t, o.stdout, string(stage))
}
