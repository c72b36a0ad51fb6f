package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// fuzzCommands are the commands FuzzCLI runs: those that only print (the
// others write files, run programs or read images, which a fuzzer must not
// point anywhere). Their flags are the same plan flags the writing commands
// parse into the same plan.
var fuzzCommands = [][]string{
	{"quadlet"}, {"quadlet", "--merged"}, {"bluechi"}, {"spec"}, {"dropins"},
	{"blueprint"}, {"osbuild-stage", "options"}, {"osbuild-stage", "schema"},
	{"check", "--list-rules"}, {"help"}, {},
}

// FuzzCLI: the command line front end (flags → plan → output). Any
// arguments give exit status 0, 1 or 2, never a panic; a status 2 says why
// in one line naming the command; success prints nothing on stderr but
// notes. Arguments are NUL-separated in the input; those that could write
// or read outside the test's empty working directory are left out.
func FuzzCLI(f *testing.F) {
	for i, seed := range []string{
		"--dropin\x00all\x00--memory-max\x002G",
		"--image\x00kvm=quay.io/x/y:1\x00--dropin\x00kvm",
		"--hostname\x00node1\x00--controller-host\x00ctl\x00--controller-port\x00842",
		"--volume\x00a:b:ro\x00--device\x00/dev/kvm",
		"--timezone\x00Europe/Berlin\x00--network\x00host",
		"--output\x00json",
		"--cpu-weight\x00idle\x00--writable\x00--var-partition",
		"--dropin\x00kvm\x00--image\x00$'kvm=a\nPodmanArgs=--privileged'",
		"--release\x00" + strings.Repeat("9", 200),
	} {
		f.Add(uint8(i), seed)
	}
	f.Chdir(f.TempDir())
	f.Fuzz(func(t *testing.T, which uint8, argv string) {
		args := append([]string(nil), fuzzCommands[int(which)%len(fuzzCommands)]...)
		if argv != "" {
			for _, a := range strings.Split(argv, "\x00") {
				short := strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--")
				if strings.Contains(a, "/") || strings.Contains(a, "out") || short && strings.Contains(a, "o") || a == "-" {
					return // could write (-o, --out) or read outside the directory
				}
				args = append(args, a)
			}
		}
		var out, errb bytes.Buffer
		e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
		code := run(context.Background(), e, args)
		switch code {
		case exitOK, exitFailure:
		case exitBadInput:
			if len(args) > 0 && args[0] != "help" && errb.Len() == 0 && out.Len() == 0 {
				t.Fatalf("%q: exit status 2 without a word", args)
			}
		default:
			t.Fatalf("%q: exit status %d", args, code)
		}
	})
}
