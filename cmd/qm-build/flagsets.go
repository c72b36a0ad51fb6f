package main

import (
	"context"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/qm-build/qm-build/cmd/internal/cli"
)

// cmdFlags is one command line's flag set: what completion offers and what
// docs/cli.md and the man pages list, taken from the flag set the command
// really parses, so neither can drift from --help.
type cmdFlags struct {
	// path is the command line's words after qm-build: ["selinux", "policy"].
	path    []string
	summary string
	usage   string
	fs      *pflag.FlagSet
}

// flagSets returns the flag set of every command and subcommand, in
// --help's order. Each command is run with --help and its output dropped;
// manifest's flags come from cli.NewManifestFlags, as qm-build-manifest's do.
func flagSets() []cmdFlags {
	var out []cmdFlags
	for _, c := range commands {
		lines := [][]string{{c.name}}
		for _, s := range c.subcommands {
			lines = append(lines, []string{c.name, s})
		}
		for _, l := range lines {
			cf := cmdFlags{path: l, summary: c.summary}
			if c.name == "manifest" {
				var v cli.Verbosity
				cf.fs, _ = cli.NewManifestFlags(io.Discard)
				v.Register(cf.fs)
				cf.usage = cli.ManifestUsage
			} else {
				e := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }}
				e.flagSink = func(fs *pflag.FlagSet, usage string) {
					if cf.fs == nil {
						cf.fs, cf.usage = fs, usage
					}
				}
				_ = c.run(context.Background(), e, append(l[1:], "--help"))
			}
			if cf.fs != nil {
				out = append(out, cf)
			}
		}
	}
	return out
}
