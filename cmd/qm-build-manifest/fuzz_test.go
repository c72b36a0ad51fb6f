package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/qm-build/qm-build/cmd/internal/cli"
)

// FuzzCLI: qm-build-manifest's front end (flags, or a request on standard
// input, → plan). Any arguments and request give exit status 0, 1 or 2,
// never a panic. Arguments are NUL-separated; those that would run dnf or
// write, or name a path outside the empty working directory, are left out.
func FuzzCLI(f *testing.F) {
	f.Add("--distro\x00cs10\x00--arch\x00x86_64\x00--packages-lock\x00lock", "")
	f.Add("--distro\x00cs9\x00--dropin\x00all\x00--qm-stage\x00--packages-lock\x00x", "")
	f.Add("request", `{"Options":{"Distro":"cs10","Arch":"x86_64"},"Out":"m.json"}`)
	f.Add("request", `{"Options":{"Dropins":["kvm"],"MemoryMax":"2G"},"DropinDirs":["d"]}`)
	f.Chdir(f.TempDir())
	f.Fuzz(func(t *testing.T, argv, stdin string) {
		var args []string
		for _, a := range strings.Split(argv, "\x00") {
			if strings.Contains(a, "/") || strings.Contains(a, "depsolve") || strings.Contains(a, "out") || strings.Contains(a, "write") || strings.Contains(a, "rpms") {
				return
			}
			args = append(args, a)
		}
		if strings.Contains(stdin, "/") || strings.Contains(stdin, "Out") {
			return
		}
		var out, errb bytes.Buffer
		e := &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
		switch code := run(context.Background(), e, args); code {
		case cli.ExitOK, cli.ExitFailure, cli.ExitBadInput:
		default:
			t.Fatalf("%q: exit status %d", args, code)
		}
	})
}
