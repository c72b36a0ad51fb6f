package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/qm-build/qm-build/blueprints"
	"github.com/qm-build/qm-build/blueprints/qmstage"
	"github.com/qm-build/qm-build/cmd/internal/cli"
	"github.com/qm-build/qm-build/rootfs"
	"github.com/qm-build/qm-build/rpmspec"
	"github.com/qm-build/qm-build/stages/publish/publishtest/testrpm"
)

// optionCase is one option of rootfs.Options in every front end: the CLI's
// flags (good and bad arguments), the org.osbuild.qm stage's options (good
// and bad JSON; "" when the stage does not take the option, which it then
// refuses as unknown), and a base blueprint's fields (distro and
// architecture only).
type optionCase struct {
	field               string
	cliGood, cliBad     [][]string
	stageGood, stageBad string
	bpGood, bpBad       string
}

var hundredK = strings.Repeat("1", 100_000)

var everyOption = []optionCase{
	{field: rootfs.FieldVersion, cliGood: [][]string{{"--pkg-version", "1.2"}}, cliBad: [][]string{{"--pkg-version", "1-2"}, {"--pkg-version", hundredK}, {"--pkg-version", ""}},
		stageGood: `{"version": "1.2"}`, stageBad: `{"version": "1\n2"}`},
	{field: rootfs.FieldRelease, cliGood: [][]string{{"--pkg-release", "3"}}, cliBad: [][]string{{"--pkg-release", hundredK}, {"--pkg-release", "a\nb"}, {"--pkg-release", ""}},
		stageGood: `{"release": "3"}`, stageBad: `{"release": "` + strings.Repeat("1", 65) + `"}`},
	{field: rootfs.FieldArch, cliGood: [][]string{{"--arch", "aarch64"}}, cliBad: [][]string{{"--arch", "ppc64le"}},
		stageBad: `{"arch": "x86_64"}`, bpGood: "aarch64", bpBad: "ppc64le"},
	{field: rootfs.FieldDistro, cliGood: [][]string{{"--distro", "centos-9"}, {"--distro", "cs10"}, {"--distro", "fedora-42"}}, cliBad: [][]string{{"--distro", "rhel9"}, {"--distro", "centos-8"}},
		stageBad: `{"distro": "cs10"}`, bpGood: "centos-10", bpBad: "rhel9"},
	{field: rootfs.FieldDropins, cliGood: [][]string{{"--dropin", "kvm,radio"}}, cliBad: [][]string{{"--dropin", ""}, {"--dropin", "nope"}, {"--dropin", "kvm,,radio"}},
		stageGood: `{"dropins": ["kvm"]}`, stageBad: `{"dropins": [""]}`},
	{field: rootfs.FieldImages, cliGood: [][]string{{"--dropin", "kvm", "--image", "kvm=quay.io/a/b:1"}},
		cliBad:    [][]string{{"--image", "nope=quay.io/a/b:1"}, {"--dropin", "kvm", "--image", "kvm=a\nPodmanArgs=--privileged"}, {"--dropin", "kvm", "--image", `"kvm=quay.io/a/b:1` + "\n" + `PodmanArgs=--privileged"`}},
		stageGood: `{"dropins": ["kvm"], "images": {"kvm": "quay.io/a/b:1"}}`, stageBad: `{"images": {"kvm": "quay.io/a/b:1\nPodmanArgs=--privileged"}}`},
	{field: rootfs.FieldAllowShortNames, cliGood: [][]string{{"--allow-short-names"}}, cliBad: [][]string{{"--allow-short-names=maybe"}},
		stageBad: `{"allow_short_names": true}`},
	{field: rootfs.FieldMemoryMax, cliGood: [][]string{{"--memory-max", "15E"}, {"--memory-max", "80%"}}, cliBad: [][]string{{"--memory-max", "16E"}, {"--memory-max", "18446744073709551616"}, {"--memory-max", "0"}},
		stageGood: `{"memory_max": "2G"}`, stageBad: `{"memory_max": "16E"}`},
	{field: rootfs.FieldMemoryHigh, cliGood: [][]string{{"--memory-high", "75%"}}, cliBad: [][]string{{"--memory-high", "18446744073709551615"}, {"--memory-high", "50.125%"}},
		stageGood: `{"memory_high": "1536M"}`, stageBad: `{"memory_high": "101%"}`},
	{field: rootfs.FieldCPUWeight, cliGood: [][]string{{"--cpu-weight", "100"}}, cliBad: [][]string{{"--cpu-weight", "0"}},
		stageGood: `{"cpu_weight": "idle"}`, stageBad: `{"cpu_weight": "10001"}`},
	{field: rootfs.FieldWritable, cliGood: [][]string{{"--writable"}}, cliBad: [][]string{{"--writable=maybe"}},
		stageGood: `{"writable": true}`, stageBad: `{"writable": "yes"}`},
	{field: rootfs.FieldNetwork, cliGood: [][]string{{"--network", "host"}}, cliBad: [][]string{{"--network", "wifi"}, {"--network", "host\nPodmanArgs=--privileged"}},
		stageGood: `{"network": "none"}`, stageBad: `{"network": "wifi"}`},
	{field: rootfs.FieldVarPartition, cliGood: [][]string{{"--var-partition"}}, cliBad: [][]string{{"--var-partition=2"}},
		stageGood: `{"var_partition": true}`, stageBad: `{"var_partition": 1}`},
	{field: rootfs.FieldTimezone, cliGood: [][]string{{"--timezone", "Europe/Berlin"}, {"--timezone", "UTC"}, {"--timezone", "local"}}, cliBad: [][]string{{"--timezone", "Mars/Base"}, {"--timezone", "../etc/shadow"}},
		stageGood: `{"timezone": "America/Argentina/Buenos_Aires"}`, stageBad: `{"timezone": "Mars/Base"}`},
	{field: rootfs.FieldVolumes, cliGood: [][]string{{"--volume", "/srv:/srv:ro"}}, cliBad: [][]string{{"--volume", "srv:/srv"}, {"--volume", "/a:/b\n[Service]"}},
		stageGood: `{"volumes": ["/srv:/srv:ro"]}`, stageBad: `{"volumes": ["/a:/b\u2028x"]}`},
	{field: rootfs.FieldDevices, cliGood: [][]string{{"--device", "/dev/ttyUSB0"}}, cliBad: [][]string{{"--device", "/dev/mem"}, {"--device", "/dev/a\nb"}, {"--device", "/dev/sg0"}},
		stageGood: `{"devices": ["/dev/ttyUSB0"]}`, stageBad: `{"devices": ["/dev/a\nb"]}`},
	{field: rootfs.FieldHostname, cliGood: [][]string{{"--hostname", "ecu-7"}}, cliBad: [][]string{{"--hostname", "bad_name"}},
		stageGood: `{"hostname": "ecu-7"}`, stageBad: `{"hostname": "a\u001bb"}`},
	{field: rootfs.FieldControllerHost, cliGood: [][]string{{"--controller-host", "ctl"}}, cliBad: [][]string{{"--controller-host", "bad host"}},
		stageGood: `{"bluechi_controller": {"host": "ctl"}}`, stageBad: `{"bluechi_controller": {"host": "a\nb"}}`},
	{field: rootfs.FieldControllerPort, cliGood: [][]string{{"--controller-host", "ctl", "--controller-port", "2020"}}, cliBad: [][]string{{"--controller-host", "ctl", "--controller-port", "0"}, {"--controller-port", "70000"}},
		stageGood: `{"bluechi_controller": {"host": "ctl", "port": 2020}}`, stageBad: `{"bluechi_controller": {"host": "ctl", "port": 0}}`},
	{field: rootfs.FieldNestedImages, cliBad: [][]string{{"--nested-image", "kvm=nope:/x"}, {"--nested-image", "kvm=oci:/a\nb"}, {"--nested-image", "unknown=oci:/x"}},
		stageBad: `{"nested_images": {"kvm": "oci:/x"}}`},
	{field: rootfs.FieldControllerSocket, cliGood: [][]string{{"--controller-socket"}}, cliBad: [][]string{{"--controller-socket=maybe"}},
		stageGood: `{"bluechi_controller": {"socket": true}}`, stageBad: `{"bluechi_controller": {"socket": "yes"}}`},
}

// TestEveryOptionEveryFrontEnd (issue 12, item 4): every option of
// rootfs.Options, in every front end that takes it (the CLI's flags, the
// org.osbuild.qm stage's options, a base blueprint's fields), accepts a
// good value and refuses a bad one with exit status 2 (bad input) and a
// message naming the option as that front end spells it.
func TestEveryOptionEveryFrontEnd(t *testing.T) {
	var covered []string
	for _, c := range everyOption {
		covered = append(covered, c.field)
	}
	var all []string
	for _, f := range rootfs.OptionFields() {
		all = append(all, f.Name)
	}
	require.ElementsMatch(t, all, covered, "every option has a row")
	cat, err := rpmspec.Builtin()
	require.NoError(t, err)
	stageTakes := map[string]bool{}
	for _, n := range qmstage.OptionNames() {
		stageTakes[n] = true
	}
	for _, c := range everyOption {
		flag := rootfs.FlagSpelling(c.field)
		t.Run(c.field, func(t *testing.T) {
			t.Run("cli", func(t *testing.T) {
				for _, args := range c.cliGood {
					r := runCLI(t, nil, append([]string{"osbuild-stage", "options"}, args...)...)
					require.Equal(t, cli.ExitOK, r.code, "%q: %s", args, r.stderr)
				}
				for _, args := range c.cliBad {
					r := runCLI(t, nil, append([]string{"osbuild-stage", "options"}, args...)...)
					require.Equal(t, cli.ExitBadInput, r.code, "%q: %s", args, r.stderr)
					require.Contains(t, r.stderr, flag, "%q names %s", args, flag)
					require.Equal(t, 1, strings.Count(strings.TrimSpace(r.stderr), "\n")+1, "%q: one line, the value escaped: %s", args, r.stderr)
					require.Empty(t, r.stdout)
				}
			})
			t.Run("stage", func(t *testing.T) {
				if c.stageGood != "" {
					require.True(t, stageTakes[c.field], "the stage takes %s", c.field)
					o, err := qmstage.DecodeOptions([]byte(c.stageGood))
					require.NoError(t, err)
					_, err = qmstage.Plan(o, cat)
					require.NoError(t, err)
				} else {
					require.False(t, stageTakes[c.field], "the stage does not take %s", c.field)
				}
				o, err := qmstage.DecodeOptions([]byte(c.stageBad))
				if err == nil {
					_, err = qmstage.Plan(o, cat)
				}
				require.Error(t, err, c.stageBad)
				require.Equal(t, cli.ExitBadInput, cli.ExitCode(err), "%s: %v", c.stageBad, err)
				name := "options." + strings.Split(c.field, ".")[0]
				require.Contains(t, err.Error(), name, c.stageBad)
			})
			if c.bpGood == "" {
				return
			}
			t.Run("blueprint", func(t *testing.T) {
				key := "distro"
				if c.field == rootfs.FieldArch {
					key = "architecture"
				}
				apply := func(v string) (string, string, error) {
					b, err := blueprints.ParseBlueprint(strings.NewReader("name = \"b\"\n"+key+" = \""+v+"\"\n"), "base.toml")
					require.NoError(t, err)
					return blueprints.ApplyBlueprintTarget(b, "base.toml", blueprints.Target{Distro: "cs10", Arch: "x86_64"})
				}
				d, a, err := apply(c.bpGood)
				require.NoError(t, err)
				o := rootfs.Options{Distro: d, Arch: a}
				_, err = rootfs.NewPlan(o, cat)
				require.NoError(t, err)
				_, _, err = apply(c.bpBad)
				require.Error(t, err)
				require.Equal(t, cli.ExitBadInput, cli.ExitCode(err))
				require.Contains(t, err.Error(), "base.toml: ")
			})
		})
	}
}

// TestPanicIsInternalError (issue 17, item 5): a panic in any of the
// programs is exit status 1 and one line, "internal error, please report",
// with no stack trace. The panic comes from the test hook (the build tag
// qmbuild_testhooks); the release build has no such hook.
func TestPanicIsInternalError(t *testing.T) {
	for _, tc := range []struct{ pkg, prog string }{
		{"./cmd/qm-build", "qm-build"},
		{"./cmd/qm-build-manifest", "qm-build-manifest"},
		{"./cmd/org.osbuild.qm", "org.osbuild.qm"},
		{"./cmd/qm-oci-hook", "qm-oci-hook"},
	} {
		t.Run(tc.prog, func(t *testing.T) {
			cmd := exec.Command(binary(t, tc.pkg, "qmbuild_testhooks"), "--help")
			cmd.Env = append(os.Environ(), "QM_BUILD_TEST_PANIC=boom\nline two")
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			require.ErrorAs(t, err, &ee, "%s", out)
			require.Equal(t, 1, ee.ExitCode(), "%s", out)
			require.Equal(t, tc.prog+`: internal error, please report: test panic: boom\nline two`+"\n", string(out))
		})
	}
	t.Run("release build", func(t *testing.T) {
		cmd := exec.Command(binary(t, "./cmd/qm-build"), "--version")
		cmd.Env = append(os.Environ(), "QM_BUILD_TEST_PANIC=boom")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "no panic hook without the tag: %s", out)
	})
}

// TestBadInputExitStatus (issue 17, items 4, 5 and 11; issue 12, item 3):
// input that is wrong is exit status 2, refused before anything is written,
// with one line naming the flag or the file and line, never a panic.
func TestBadInputExitStatus(t *testing.T) {
	in := t.TempDir()
	testrpm.WriteProject(t, in, nil)
	dropins := t.TempDir()
	require.NoError(t, os.WriteFile(dropins+"/nl.yaml", []byte("name: nl\nsummary: s\ndescription: d\ndevices:\n  qm: [\"/dev/a\\nb\"]\n"), 0o644))
	cycle := t.TempDir()
	require.NoError(t, os.WriteFile(cycle+"/a.yaml", []byte("name: a\nsummary: s\ndescription: d\nneeds: [b]\n"), 0o644))
	require.NoError(t, os.WriteFile(cycle+"/b.yaml", []byte("name: b\nsummary: s\ndescription: d\nneeds: [a]\n"), 0o644))
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"17.4 injection through --image", []string{"quadlet", "--image", "kvm=a\nPodmanArgs=--privileged"}, "--image"},
		{"17.4 unknown image key", []string{"quadlet", "--image", "nope=quay.io/a/b:1"}, `--image nope: unknown image key "nope"`},
		{"17.5 a drop-in device with a newline", []string{"rpm", "--dropin-dir", dropins, "--out", t.TempDir() + "/o"}, dropins + `/nl.yaml:5: devices.qm[0]: "/dev/a\nb" has a line break`},
		{"17.5 the same through quadlet", []string{"quadlet", "--dropin-dir", dropins}, dropins + `/nl.yaml:5: devices.qm[0]`},
		{"17.5 a --device with a newline", []string{"quadlet", "--device", "/dev/a\nb"}, `--device: "/dev/a\nb" has a line break`},
		{"17.6 needs in a cycle", []string{"spec", "--dropin-dir", cycle}, "drop-ins need each other in a cycle: a -> b -> a"},
		{"17.9 16E", []string{"quadlet", "--memory-max", "16E"}, "--memory-max: \"16E\" is out of range"},
		{"17.9 2^64", []string{"quadlet", "--memory-high", "18446744073709551616"}, "--memory-high"},
		{"17.11 a 100k --release", []string{"rpm", "--pkg-release", hundredK, "--out", t.TempDir() + "/o"}, "--pkg-release: "},
		{"17.11 --out ''", []string{"build", "--out", ""}, "--out: "},
		{"17.11 publish --mirror on a file", []string{"publish", "--mirror", "/etc/passwd", "--releasever", "9", "--arch", "x86_64", in}, "--mirror /etc/passwd: not a directory"},
		{"17.11 publish --oci with a port out of range", []string{"publish", "--oci", "localhost:99999/x:1", in}, `--oci: "localhost:99999/x:1": registry port "99999" is not a TCP port`},
		{"17.11 --compress ''", []string{"rpm", "--compress", "", "--out", t.TempDir() + "/o"}, "--compress: the value is empty"},
		{"17.11 --dropin ''", []string{"rpm", "--dropin", "", "--out", t.TempDir() + "/o"}, "--dropin: the value is empty"},
		{"17.11 --controller-port 0", []string{"bluechi", "--controller-port", "0"}, `"0" is not a TCP port (1-65535)`},
		{"12.3 a forbidden device", []string{"build", "--device", "/dev/mem", "--out", t.TempDir() + "/o"}, "QM must never get /dev/mem"},
		{"12.4 --distro rhel9 in rootfs", []string{"rootfs", "--distro", "rhel9", "--root", t.TempDir()}, `--distro: unknown distribution "rhel9"`},
		{"12.4 --timezone Mars/Base", []string{"quadlet", "--timezone", "Mars/Base"}, "--timezone: \"Mars/Base\" is not a time zone of the tz database"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, nil, tc.args...)
			require.Equal(t, cli.ExitBadInput, r.code, r.stderr)
			require.Contains(t, r.stderr, tc.want)
			require.NotContains(t, r.stderr, "panic")
			require.NotContains(t, r.stderr, "goroutine")
			require.Empty(t, r.stdout)
		})
	}
}
